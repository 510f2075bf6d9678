using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>Compiles user code plus generated code, loads it and runs SyncAsync against fake page sources.</summary>
public class CompileAndRunTests
{
    [Test]
    public async Task Request_shape_runs_a_full_then_an_incremental_sync_and_clears_full_sync_only_filters()
    {
        var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(TestSources.GoogleRequest));

        var log = await CompiledAssembly.RunHarnessAsync(assembly, "Demo.Calendar.Harness");

        // Full pass: the filters go out with every page; incremental pass: the same sync token on every page, filters
        // cleared (TimeMin, Q, ShowDeleted=false) while MaxResults, which Google allows with a token, stays.
        Assert.That(log, Is.EqualTo("""
            full:
              request syncToken=- pageToken=- timeMin=set q=standup showDeleted=False maxResults=2
              request syncToken=- pageToken=p2 timeMin=set q=standup showDeleted=False maxResults=2
              request syncToken=- pageToken=p3 timeMin=set q=standup showDeleted=False maxResults=2
              result kind=Full startedAs=Full pages=3 upserts=3 deletes=0 token=s1
              store token=s1 items=a:A1,b:B1,c:C1
            incremental:
              request syncToken=s1 pageToken=- timeMin=- q=- showDeleted=- maxResults=2
              request syncToken=s1 pageToken=q2 timeMin=- q=- showDeleted=- maxResults=2
              result kind=Incremental startedAs=Incremental pages=2 upserts=2 deletes=1 token=s2
              store token=s2 items=a:A2,c:C1,d:D1

            """));
    }

    [Test]
    public async Task Fetch_shape_with_custom_names_uses_the_configured_members_and_deleted_status()
    {
        var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(TestSources.FetchCustomNames));

        var log = await CompiledAssembly.RunHarnessAsync(assembly, "Demo.People.Harness");

        Assert.That(log, Is.EqualTo("""
              fetch full pass #1, page 1 (syncToken=none, pageToken=none)
              fetch full pass #1, page 2 (syncToken=none, pageToken="n2")
            full kind=Full pages=2 upserts=2 token=t1 items=people/1,people/2
              fetch incremental pass #1, page 1 (syncToken="t1", pageToken=none)
            incremental kind=Incremental pages=1 upserts=1 deletes=1 token=t2 items=people/2:Bob2

            """));
    }

    [Test]
    public async Task Int_key_is_converted_with_the_invariant_culture_and_a_bool_flag_deletes()
    {
        var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(TestSources.IntKey));

        var log = await CompiledAssembly.RunHarnessAsync(assembly, "Demo.Tickets.Harness");

        Assert.That(log, Is.EqualTo("deletes=1 keys=1002 token=t2"));
    }

    [Test]
    public async Task Hooks_mode_hands_each_completed_pass_to_ApplyPassAsync_once_and_never_a_failed_one()
    {
        var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(TestSources.Hooks));

        var log = await CompiledAssembly.RunHarnessAsync(assembly, "Demo.Todos.Harness");

        // One ApplyPassAsync per completed pass, with the kind, every change in server order and the new token; a pass
        // that failed (page 2 threw) or expired (page 2 answered 410) never reaches a hook.
        Assert.That(log, Is.EqualTo("""
            failing full:
              fetch full pass #1, page 1 (syncToken=none, pageToken=none)
              fetch full pass #1, page 2 (syncToken=none, pageToken="p2")
              failed SyncRequestFailedException
              hook load -> null
              mirror token=null items=
            full:
              fetch full pass #1, page 1 (syncToken=none, pageToken=none)
              fetch full pass #1, page 2 (syncToken=none, pageToken="p2")
              result kind=Full startedAs=Full pages=2 upserts=3 deletes=0 expiries=0 token=s1
              hook load -> null
              hook apply Full [+a:A1 +b:B1 +c:C1] token=s1
              mirror token=s1 items=a:A1,b:B1,c:C1
            incremental:
              fetch incremental pass #1, page 1 (syncToken="s1", pageToken=none)
              fetch incremental pass #1, page 2 (syncToken="s1", pageToken="q2")
              result kind=Incremental startedAs=Incremental pages=2 upserts=2 deletes=1 expiries=0 token=s2
              hook load -> s1
              hook apply Incremental [-b +a:A2 +d:D1] token=s2
              mirror token=s2 items=a:A2,c:C1,d:D1
            expired:
              fetch incremental pass #1, page 1 (syncToken="s2", pageToken=none)
              fetch incremental pass #1, page 2 (syncToken="s2", pageToken="r2")
              fetch full pass #2, page 1 (syncToken=none, pageToken=none)
              result kind=Full startedAs=Incremental pages=1 upserts=2 deletes=0 expiries=1 token=s3
              hook load -> s2
              hook apply Full [+a:A3 +e:E1] token=s3
              mirror token=s3 items=a:A3,e:E1

            """));
    }

    [Test]
    public async Task Dialect_page_source_member_syncs_graph_delta_with_links_removals_and_the_dialects_expiry_rule()
    {
        var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(TestSources.GraphDialect));

        var log = await CompiledAssembly.RunHarnessAsync(assembly, "Demo.Graph.Harness");

        // The links are followed verbatim; @removed deletes u2 though User has no such member; the 400 resyncRequired
        // is an expiry by the Graph dialect's rule (fatal under the default Google rule) and a full pass recovers.
        Assert.That(log, Is.EqualTo("""
            full kind=Full pages=2 upserts=2 deletes=0 expiries=0 items=u1:Ann,u2:Bob
            incremental kind=Incremental pages=1 upserts=1 deletes=1 expiries=0 items=u1:Ann,u3:Cy
            expired kind=Full pages=2 upserts=2 deletes=0 expiries=1 items=u1:Ann,u2:Bob
            /v1.0/users/delta?$select=displayName
            /v1.0/users/delta?$skiptoken=s2
            /v1.0/users/delta?$deltatoken=d1
            /v1.0/users/delta?$deltatoken=d1
            /v1.0/users/delta?$select=displayName
            /v1.0/users/delta?$skiptoken=s2

            """));
    }
}
