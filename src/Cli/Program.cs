using Mmcs.Cli;

return await MmcsCli.RunAsync(args);
