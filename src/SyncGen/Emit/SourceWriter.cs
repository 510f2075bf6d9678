using System.Text;

namespace SyncGen.Generator.Emit;

/// <summary>Writes C# source line by line, tracking indentation (four spaces a level).</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indentation;

    /// <summary>Writes one line at the current indentation; an empty line carries no trailing spaces.</summary>
    public void WriteLine(string line = "")
    {
        if (line.Length > 0)
        {
            _builder.Append(' ', _indentation * 4);
            _builder.Append(line);
        }

        _builder.Append('\n');
    }

    /// <summary>
    /// Writes every line of <paramref name="text"/> (a raw string literal, typically) at the current indentation, keeping
    /// the lines' own relative indentation; <c>\r\n</c> and <c>\n</c> both end a line.
    /// </summary>
    public void WriteLines(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            WriteLine(line);
        }
    }

    /// <summary>Writes <c>{</c> and indents.</summary>
    public void OpenBlock()
    {
        WriteLine("{");
        _indentation++;
    }

    /// <summary>Unindents and writes <c>}</c> followed by <paramref name="suffix"/>.</summary>
    public void CloseBlock(string suffix = "")
    {
        _indentation--;
        WriteLine("}" + suffix);
    }

    /// <summary>Indents the following lines by one more level.</summary>
    public void Indent() => _indentation++;

    /// <summary>Indents the following lines by one level less.</summary>
    public void Unindent() => _indentation--;

    public override string ToString() => _builder.ToString();
}
