package dev.meerkat.cli;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.ImageFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code meerkat} command: signs, encrypts, verifies and packages firmware; runs emulated
 * devices.
 */
@Command(
        name = "meerkat",
        mixinStandardHelpOptions = true,
        versionProvider = Meerkat.Version.class,
        description =
                "Secure OTA firmware toolchain: MCUboot-compatible images, Mongoose OS fw.zip packages.%n",
        footer = {
            "%nExit codes: 0 success/valid, 1 invalid input (verification failed), 2 usage error, 3 I/O error.",
            "Add --debug to any command for a stack trace on errors."
        },
        subcommands = {
            KeygenCommand.class,
            GetpubCommand.class,
            GetpubhashCommand.class,
            GetprivCommand.class,
            KeyinfoCommand.class,
            SignCommand.class,
            VerifyCommand.class,
            DumpinfoCommand.class,
            DecryptCommand.class,
            VersionCommand.class,
            dev.meerkat.cli.pkg.PackageCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            dev.meerkat.cli.remote.KeysCommand.class,
            dev.meerkat.cli.remote.ApproveCommand.class,
            dev.meerkat.cli.remote.AuditCommand.class,
            dev.meerkat.cli.remote.PkiCommand.class,
            dev.meerkat.cli.remote.ServeCommand.class,
            dev.meerkat.cli.boot.BootsimCommand.class,
            dev.meerkat.cli.chip.ChipCommand.class,
            dev.meerkat.cli.provision.ProvisionCommand.class,
            dev.meerkat.cli.fleet.FleetCommand.class,
            dev.meerkat.cli.fleet.DeviceCommand.class,
            dev.meerkat.cli.cloud.CloudCommand.class,
            dev.meerkat.cli.fleetservice.ReleaseCommand.class,
            dev.meerkat.cli.fleetservice.DevicesCommand.class,
            dev.meerkat.cli.fleetservice.GroupsCommand.class,
            dev.meerkat.cli.fleetservice.DeployCommand.class,
            dev.meerkat.cli.fleetservice.FleetServiceCommand.class,
            dev.meerkat.cli.device.CallCommand.class,
            dev.meerkat.cli.device.ConfigCommand.class,
            dev.meerkat.cli.device.FsCommand.class,
            dev.meerkat.cli.device.OtaCommand.class,
            dev.meerkat.cli.device.ConsoleCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Meerkat implements Runnable {

    // Set by CommandTree: the root spec is built from this class's annotation without picocli's
    // reflection.
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(
                run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = false;
        int kept = 0;
        String[] effective = new String[args.length];
        for (String a : args) {
            if (a.equals("--debug")) debug = true;
            else effective[kept++] = a;
        }
        effective = Arrays.copyOf(effective, kept);
        int fast = FastStart.run(effective, out, err, debug);
        if (fast != FastStart.NOT_HANDLED) return fast;
        boolean withTrace = debug;
        CommandLine cl = CommandTree.forArguments(effective);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    if (withTrace) ex.printStackTrace(err);
                    err.println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(ex));
                    err.flush();
                    return exitCode(ex);
                });
        cl.setParameterExceptionHandler(
                (ex, args2) -> {
                    CommandLine c = ex.getCommandLine();
                    err.println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
                    err.println(
                            "Try '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
                    err.flush();
                    return ExitCode.USAGE;
                });
        return cl.execute(effective);
    }

    static String describe(Throwable ex) {
        if (ex instanceof CliException || ex instanceof ImageFormatException)
            return ex.getMessage();
        if (ex instanceof IOException || ex instanceof UncheckedIOException) {
            return "I/O error: " + ex.getMessage();
        }
        if (ex instanceof IllegalArgumentException) return ex.getMessage();
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof CliException c) return c.exitCode();
        if (ex instanceof ImageFormatException) return ExitCode.INVALID;
        if (ex instanceof IOException || ex instanceof UncheckedIOException) return ExitCode.IO;
        if (ex instanceof IllegalArgumentException) return ExitCode.USAGE;
        return ExitCode.IO;
    }

    /** The version the build recorded. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"meerkat " + BuildInfo.version()};
        }
    }
}
