using Scriban;
using Scriban.Runtime;

namespace Trickle.Compiler.Emit;

/// <summary>
/// Renders the templates of the commands that work on installed stream tables rather than compile one (verify, the
/// pg_ivm import): the same template library and quoting functions as the install script, another model.
/// </summary>
internal static class ToolTemplates
{
    public static string Render(string template, object model)
    {
        var globals = new ScriptObject();
        globals.Import("literal", new Func<string, string>(SqlQuoting.Literal));
        globals.Import("ident", new Func<string, string>(SqlQuoting.Identifier));
        globals.SetValue("model", model, readOnly: true);
        var context = new RenderContext();
        context.PushGlobal(globals);
        return TemplateLibrary.Instance.Get(template).Render(context).Replace("\r\n", "\n");
    }
}
