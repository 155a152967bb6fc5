package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.BootConfig;
import dev.meerkat.boot.BootControl;
import dev.meerkat.boot.BootMode;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.Bootloader;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.boot.Slot;
import dev.meerkat.firmware.app.FirmwareImage;
import dev.meerkat.firmware.crypto.SecureElement;
import dev.meerkat.firmware.crypto.SoftwareSecureElement;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.device.Network;
import dev.meerkat.firmware.fs.DirectoryFileStore;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.fs.MemoryFileStore;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.ota.OtaUpdate;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.hal.ResetException;
import dev.meerkat.hal.RootOfTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An emulated board running the firmware: the hal {@link Device} (flash, counters, root of trust,
 * clock, watchdog), the file store, the secure element and a CPU thread that boots through the real
 * {@link Bootloader}, runs the {@link Firmware} it jumps to and, at every reset (reboot, fault,
 * watchdog, power cut), boots again. A bootloader in recovery (no bootable image) or a crash loop
 * of the committed firmware stops the board.
 *
 * <p>This class is the board's lifecycle (power, boot loop, state) and its hardware; the network
 * interface is {@link BoardNetwork}, injected faults are {@link FaultInjection}, and driving the
 * board from a test or host tool is {@link BoardHarness} (the methods here delegate to it).
 */
public final class Board implements AutoCloseable {

    /** Board states. */
    public enum State {
        OFF,
        BOOTING,
        RUNNING,
        RECOVERY,
        HALTED
    }

    private static final int CRASH_LOOP_LIMIT = 5;
    private static final ScheduledExecutorService SCHEDULER =
            Executors.newScheduledThreadPool(
                    2,
                    r -> {
                        Thread t = new Thread(r, "board-timers");
                        t.setDaemon(true);
                        return t;
                    });

    private final String id;
    private final Device device;
    private final FlashLayout layout;
    private final BootConfig bootConfig;
    private final FileStore files;
    private final SecureElement secureElement;
    private final BoardListener listener;
    private final List<Library> libraries;
    private final List<Function<OtaUpdate, Library>> updateChannels;
    private final int tickMillis;
    private final int timeScale;
    private volatile State state = State.OFF;
    private volatile Firmware firmware;
    private volatile int httpPort = -1;
    private volatile String haltReason;
    private volatile long boots;
    private final FaultInjection faults;
    private final BoardNetwork network;
    private final BoardHarness harness = new BoardHarness(this);
    private volatile BootResult lastBoot;
    private Thread cpu;
    private volatile boolean stopping;
    private boolean closed;

    private Board(Builder b, Device device, FileStore files) {
        this.id = b.id;
        this.device = device;
        this.layout = b.profile.layout(device.flash());
        this.bootConfig = b.bootConfig;
        this.files = files;
        this.secureElement = b.secureElement;
        this.listener = b.listener;
        this.libraries = List.copyOf(b.libraries);
        this.updateChannels = List.copyOf(b.updateChannels);
        this.tickMillis = b.tickMillis;
        this.timeScale = b.timeScale;
        this.faults = new FaultInjection(b.failInitOnTestBoot);
        this.network = new BoardNetwork(files, secureElement, faults);
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    // ---------------------------------------------------------------- running

    /** Powers the board on (returns at once). */
    public synchronized void start() {
        if (cpu != null) {
            return;
        }
        stopping = false;
        cpu = new Thread(this::cpuMain, "board-" + id);
        cpu.setDaemon(true);
        cpu.start();
    }

    private void cpuMain() {
        int crashes = 0;
        while (!stopping) {
            setState(State.BOOTING);
            BootResult r;
            try {
                r = new Bootloader(device, layout, bootConfig).boot();
            } catch (ResetException e) {
                listener.log(id, "reset in the bootloader: " + e.getMessage());
                device.reset(e.cause());
                continue;
            }
            lastBoot = r;
            boots++;
            if (r instanceof BootResult.Recovery rec) {
                halt(State.RECOVERY, rec.report());
                return;
            }
            BootResult.Jump j = (BootResult.Jump) r;
            Firmware fw = new Firmware(this, j);
            firmware = fw;
            try {
                setState(State.RUNNING);
                fw.run();
                fw.shutdown();
                setState(State.OFF);
                return;
            } catch (ResetException e) {
                fw.shutdown();
                listener.log(id, "reset (" + e.cause() + "): " + e.getMessage());
                device.reset(e.cause());
                crashes =
                        e.cause() == ResetCause.FAULT && j.mode() == BootMode.NORMAL
                                ? crashes + 1
                                : 0;
            } catch (RuntimeException e) {
                fw.shutdown();
                listener.log(id, "firmware crashed: " + e);
                device.reset(ResetCause.FAULT);
                crashes = j.mode() == BootMode.NORMAL ? crashes + 1 : 0;
            } finally {
                firmware = null;
            }
            if (crashes >= CRASH_LOOP_LIMIT) {
                halt(State.HALTED, "committed firmware failed " + crashes + " boots in a row");
                return;
            }
        }
        setState(State.OFF);
    }

    private void halt(State s, String why) {
        haltReason = why;
        listener.log(id, s + ": " + why);
        setState(s);
    }

    private void setState(State s) {
        state = s;
        listener.state(id, s);
    }

    /** Powers the board off: the firmware is stopped between two tasks. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = true;
            t = cpu;
            cpu = null;
        }
        Firmware fw = firmware;
        if (fw != null) {
            fw.requestStop();
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        setState(State.OFF);
        try {
            device.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- observing and driving

    public State state() {
        return state;
    }

    /** Why the board stopped (recovery report or crash loop), if it did. */
    public String haltReason() {
        return haltReason;
    }

    /** Boots so far (bootloader runs that decided something). */
    public long boots() {
        return boots;
    }

    public BootResult lastBoot() {
        return lastBoot;
    }

    /** Waits until {@code condition} holds; false on timeout. */
    public boolean await(Predicate<Board> condition, Duration timeout) {
        return harness.await(condition, timeout);
    }

    /** Whether the firmware finished init and runs its main loop. */
    public boolean isUp() {
        Firmware fw = firmware;
        return state == State.RUNNING && fw != null && fw.isRunning();
    }

    /** Runs {@code f} on the device's main loop and returns its result. */
    public <T> T onDevice(Function<Firmware, T> f) {
        return harness.onDevice(f);
    }

    /** Calls an RPC method in-process (the same dispatcher the channels use). */
    public JsonNode rpc(String method, JsonNode args) throws RpcException {
        return harness.rpc(method, args);
    }

    /** Lets {@code d} of device time pass at once (timers such as the commit deadline fire). */
    public void advance(Duration d) {
        harness.advance(d);
    }

    /** The outside view tests and host tools drive the board through. */
    public BoardHarness harness() {
        return harness;
    }

    Firmware firmware() {
        return firmware;
    }

    /**
     * Boot state as recorded in flash (readable in any board state except while a task writes it).
     */
    public BootStatus bootStatus() {
        if (isUp()) {
            return onDevice(fw -> fw.control().bootState());
        }
        return new BootControl(device, layout, bootConfig).bootState();
    }

    /** Version of the running firmware, if running. */
    public String runningVersion() {
        BootResult r = lastBoot;
        return r instanceof BootResult.Jump j
                ? FirmwareImage.versionString(j.image().version())
                : "none";
    }

    /** Port of the HTTP RPC server of the running firmware, or -1. */
    public int httpPort() {
        return httpPort;
    }

    void httpPort(int port) {
        this.httpPort = port;
    }

    /** The next download drops its connection after {@code bytes} more bytes (once). */
    public void dropDownloadAfter(long bytes) {
        faults.dropDownloadAfter(bytes);
    }

    /** Whether every test boot of a new firmware fails init (a device-specific fault). */
    public void failInitOnTestBoot(boolean fail) {
        faults.failInitOnTestBoot(fail);
    }

    /** Faults armed on this board. */
    public FaultInjection faults() {
        return faults;
    }

    // ---------------------------------------------------------------- services for the firmware

    public String id() {
        return id;
    }

    public Device device() {
        return device;
    }

    public FlashLayout layout() {
        return layout;
    }

    public BootConfig bootConfig() {
        return bootConfig;
    }

    public FileStore files() {
        return files;
    }

    public SecureElement secureElement() {
        return secureElement;
    }

    BoardListener listener() {
        return listener;
    }

    List<Library> extraLibraries() {
        List<Library> l = new ArrayList<>(libraries);
        faults.initFailure().ifPresent(l::add);
        return l;
    }

    /** The delivery channels built on this boot's update flow. */
    List<Library> updateChannels(OtaUpdate ota) {
        return updateChannels.stream().map(f -> f.apply(ota)).toList();
    }

    ScheduledExecutorService scheduler() {
        return SCHEDULER;
    }

    int tickMillis() {
        return tickMillis;
    }

    int timeScale() {
        return timeScale;
    }

    /** The board's network interface. */
    public Network network() {
        return network;
    }

    @Override
    public String toString() {
        return "Board[" + id + ", " + state + "]";
    }

    /** Describes a board before manufacturing it. */
    public static final class Builder {
        private final String id;
        private DeviceProfile profile = DeviceProfile.standard();
        private RootOfTrust rootOfTrust = RootOfTrust.none();
        private SecureElement secureElement = SoftwareSecureElement.empty();
        private BootConfig bootConfig = BootConfig.defaults();
        private byte[] factoryImage;
        private ObjectNode factoryConfig = Json.object();
        private final List<String[]> factoryFiles = new ArrayList<>();
        private Path directory;
        private long seed = 1;
        private BoardListener listener = BoardListener.NONE;
        private final List<Library> libraries = new ArrayList<>();
        private final List<Function<OtaUpdate, Library>> updateChannels = new ArrayList<>();
        private int tickMillis = 50;
        private int timeScale = 1;
        private boolean failInitOnTestBoot;

        private Builder(String id) {
            this.id = Objects.requireNonNull(id);
        }

        public Builder profile(DeviceProfile p) {
            this.profile = p;
            return this;
        }

        public Builder rootOfTrust(RootOfTrust rot) {
            this.rootOfTrust = rot;
            return this;
        }

        public Builder secureElement(SecureElement se) {
            this.secureElement = se;
            return this;
        }

        public Builder bootConfig(BootConfig c) {
            this.bootConfig = c;
            return this;
        }

        /** The image programmed into slot A at the factory. */
        public Builder factoryImage(byte[] image) {
            this.factoryImage = image.clone();
            return this;
        }

        /**
         * Configuration written to {@code conf1.json} at the factory ({@code device.id} is added).
         */
        public Builder factoryConfig(ObjectNode c) {
            this.factoryConfig = c.deepCopy();
            return this;
        }

        /** A file written to the file store at the factory (e.g. a CA certificate). */
        public Builder factoryFile(String name, String content) {
            factoryFiles.add(new String[] {name, content});
            return this;
        }

        /** Keeps flash, counters and files in {@code dir} (they survive the process). */
        public Builder directory(Path dir) {
            this.directory = dir;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder listener(BoardListener l) {
            this.listener = l;
            return this;
        }

        /** An extra library initialised with the built-in ones. */
        public Builder library(Library l) {
            libraries.add(l);
            return this;
        }

        /**
         * A delivery channel (e.g. a cloud job agent): at every boot, the library {@code channel}
         * makes from that boot's {@link OtaUpdate}, initialised with the built-in ones.
         */
        public Builder updateChannel(Function<OtaUpdate, Library> channel) {
            updateChannels.add(Objects.requireNonNull(channel));
            return this;
        }

        /** Main loop wake-up period in host milliseconds. */
        public Builder tickMillis(int ms) {
            this.tickMillis = ms;
            return this;
        }

        /** Device milliseconds per host millisecond. */
        public Builder timeScale(int scale) {
            this.timeScale = scale;
            return this;
        }

        public Builder failInitOnTestBoot(boolean f) {
            this.failInitOnTestBoot = f;
            return this;
        }

        /**
         * Creates the board. A fresh device gets the factory image in slot A and the factory
         * configuration; a device reopened from its directory keeps what it has.
         */
        public Board build() {
            try {
                Device.Builder db =
                        Device.builder(profile.geometry()).seed(seed).rootOfTrust(rootOfTrust);
                if (directory != null) {
                    db.backedBy(directory.resolve("hw"));
                }
                Device d = db.build();
                FileStore fs =
                        directory != null
                                ? new DirectoryFileStore(directory.resolve("fs"))
                                : new MemoryFileStore(d.power());
                boolean fresh = fs.read("conf1.json").isEmpty();
                if (fresh) {
                    if (factoryImage != null) {
                        FlashArea a = profile.layout(d.flash()).slot(Slot.A);
                        a.eraseAll();
                        int align = a.writeAlignment();
                        byte[] padded =
                                Arrays.copyOf(
                                        factoryImage,
                                        (factoryImage.length + align - 1) / align * align);
                        Arrays.fill(padded, factoryImage.length, padded.length, (byte) 0xFF);
                        a.write(0, padded);
                    }
                    ObjectNode conf1 = factoryConfig.deepCopy();
                    JsonNode dev = conf1.get("device");
                    ObjectNode devObj = dev instanceof ObjectNode o ? o : conf1.putObject("device");
                    if (!devObj.has("id")) {
                        devObj.put("id", id);
                    }
                    for (String[] f : factoryFiles) {
                        fs.write(f[0], f[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                    fs.write("conf1.json", Json.bytes(conf1));
                }
                return new Board(this, d, fs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
