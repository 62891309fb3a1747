using System.CommandLine;

namespace Mmcs.Cli.Commands;

/// <summary>Every top-level command, in the order `mmcs --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return DoctorCommand.Create();
        yield return DataCommands.Create();
        yield return FeaturesCommands.Create();
        yield return AutoMlCommand.Create();
        yield return PipelineCommands.Create();
        yield return PipelineCommands.Schedule();
        yield return PredictCommand.Create();
        yield return EvaluateCommand.Create();
        yield return ServeCommand.Create();
        yield return RunsCommands.Create();
        yield return RegistryCommands.Create();
        yield return NotebookCommand.Create();
        yield return EdaCommand.Create();

    }
}
