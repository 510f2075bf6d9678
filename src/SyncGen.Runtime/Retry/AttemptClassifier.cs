using System;

namespace SyncGen;

/// <summary>
/// Classifies the failed attempts of one page request, each once: the retry decision, the delay, the retry log and the
/// error the engine reports all read the same classification of the same exception.
/// </summary>
internal sealed class AttemptClassifier(ISyncErrorClassifier classifier)
{
    private Exception? _last;
    private SyncErrorClassification _classification;

    public SyncErrorClassification Classify(Exception exception)
    {
        if (!ReferenceEquals(exception, _last))
        {
            _classification = classifier.Classify(exception);
            _last = exception;
        }

        return _classification;
    }
}
