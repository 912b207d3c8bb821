package norc.client.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import norc.client.ClientListener;
import norc.client.FileProgress;
import norc.client.NorcClient;
import norc.client.ReceivedFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code norc file send|get}: end-to-end encrypted files (groups profile B). {@code send} uploads
 * a file's encrypted chunks and shares it with users or a group; {@code get} downloads the files
 * waiting for this device. Both draw a progress bar on standard error.
 */
@Command(name = "file", description = "Send and receive end-to-end encrypted files.",
        subcommands = {FilesCommand.Send.class, FilesCommand.Get.class})
final class FilesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: send, get");
    }

    @Command(name = "send", description = "Send a file to users (--to) or a group (--group).")
    static final class Send extends DeviceCall {
        @Option(names = "--to", paramLabel = "USER", description = "A recipient (repeat).")
        List<String> to = List.of();

        @Option(names = "--group", paramLabel = "UUID", description = "A group instead of --to.")
        UUID group;

        @Option(names = "--type", defaultValue = "application/octet-stream", description = "The MIME type (sealed with the name).")
        String mimeType;

        @Parameters(index = "0", paramLabel = "FILE", description = "The file (at most 100 MiB).")
        Path file;

        @Override
        public Integer call() throws Exception {
            if ((group == null) == to.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name recipients with --to, or a --group");
            }
            IdentityFile identity = identityFile();
            UUID conversation = group != null ? group : SendCommand.defaultConversation(identity.identity().userId(), to);
            try (NorcClient client = authenticated(identity, ClientListener.NONE)) {
                ProgressBar bar = new ProgressBar(err(), "up");
                UUID fileId = Connector.await(client.sendFile(conversation, to, file, file.getFileName().toString(), mimeType, bar),
                        server.timeout().plus(transferTime(Files.size(file))));
                bar.done();
                Terminal.print(out(), "sent file " + fileId + " (" + Files.size(file) + " bytes) in "
                        + (group != null ? "group " : "conversation ") + conversation);
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Download the files waiting for this device.")
    static final class Get extends DeviceCall {
        @Option(names = "--out", defaultValue = ".", paramLabel = "DIR", description = "Where to write them. Default: here.")
        Path out;

        @Option(names = "--wait", defaultValue = "3s", paramLabel = "DURATION",
                description = "How long to wait for files after connecting (e.g. 3s, 1m). Default: 3s.")
        String wait;

        @Override
        public Integer call() throws Exception {
            Duration waitFor = Duration.parse("PT" + wait.toUpperCase(java.util.Locale.ROOT));
            BlockingQueue<ReceivedFile> files = new LinkedBlockingQueue<>();
            Files.createDirectories(out);
            try (NorcClient client = authenticated(identityFile(), new ClientListener() {
                @Override
                public void onFile(ReceivedFile file) {
                    files.add(file);
                }
            })) {
                long until = System.nanoTime() + waitFor.toNanos();
                List<ReceivedFile> received = new ArrayList<>();
                ReceivedFile next;
                while ((next = files.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
                    received.add(next);
                }
                for (ReceivedFile file : received) {
                    Path target = freeName(out, file.name());
                    ProgressBar bar = new ProgressBar(err(), "down");
                    Connector.await(client.downloadFile(file, target, bar), server.timeout().plus(transferTime(file.size())));
                    bar.done();
                    Terminal.print(out(), "received " + target + " (" + file.size() + " bytes) from "
                            + Terminal.inert(file.senderUserId()));
                }
                if (received.isEmpty()) {
                    Terminal.print(out(), "no files waiting");
                }
            }
            return 0;
        }

        /** A file name from a sender is untrusted: its last component only, printable, never over an existing file. */
        private static Path freeName(Path dir, String name) {
            String base = Path.of(name.replace('\\', '/')).getFileName() == null ? "file"
                    : Path.of(name.replace('\\', '/')).getFileName().toString();
            base = base.replaceAll("[\\p{Cntrl}]", "_");
            if (base.isBlank() || base.equals(".") || base.equals("..")) {
                base = "file";
            }
            Path candidate = dir.resolve(base);
            for (int i = 1; Files.exists(candidate); i++) {
                candidate = dir.resolve(base + "." + i);
            }
            return candidate;
        }
    }

    /** Time on top of the request timeout for a transfer of {@code bytes} (at 1 MiB/s, the slowest this waits for). */
    static Duration transferTime(long bytes) {
        return Duration.ofSeconds(bytes / (1024 * 1024) + 1);
    }

    /** {@code [#####.....]  45%  9.0/20.0 MiB} on one line of standard error, redrawn as the transfer goes. */
    static final class ProgressBar implements FileProgress {
        private final PrintWriter err;
        private final String label;
        private int lastPercent = -1;

        ProgressBar(PrintWriter err, String label) {
            this.err = err;
            this.label = label;
        }

        @Override
        public synchronized void progress(long done, long total) {
            int percent = total == 0 ? 100 : (int) (done * 100 / total);
            if (percent == lastPercent) {
                return;
            }
            lastPercent = percent;
            int filled = percent / 5;
            err.print("\r" + label + " [" + "#".repeat(filled) + ".".repeat(20 - filled) + "] " + String.format("%3d%%  %.1f/%.1f MiB",
                    percent, done / 1048576.0, total / 1048576.0));
            err.flush();
        }

        synchronized void done() {
            err.println();
            err.flush();
        }
    }
}
