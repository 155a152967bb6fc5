package dev.meerkat.firmware.agent.aws;

import dev.meerkat.boot.Slot;
import dev.meerkat.cloud.aws.jobs.DescribeJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.DescribeJobExecutionResponse;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.cloud.aws.jobs.JobsOperation;
import dev.meerkat.cloud.aws.jobs.JobsProtocolException;
import dev.meerkat.cloud.aws.jobs.JobsTopic;
import dev.meerkat.cloud.aws.jobs.NextJobExecutionChangedEvent;
import dev.meerkat.cloud.aws.jobs.RejectedErrorCode;
import dev.meerkat.cloud.aws.jobs.RejectedErrorResponse;
import dev.meerkat.cloud.aws.jobs.StartNextJobExecutionResponse;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionResponse;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.mqtt.Backoff;
import dev.meerkat.firmware.mqtt.MqttLink;
import dev.meerkat.firmware.ota.OtaEvent;
import dev.meerkat.firmware.ota.OtaUpdate;
import dev.meerkat.hal.RootOfTrust;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.SocketFactory;

/**
 * The AWS IoT Jobs agent (config {@code aws.*}): its own MQTT connection, TLS client-authenticated
 * with the device key (in the ATECC608 when the board has one), to the Jobs endpoint under the
 * thing's name.
 *
 * <p>It asks {@code start-next} at start-up, whenever {@code notify-next} announces a job and every
 * {@code aws.poll_interval} seconds while idle; checks the {@code afr_ota} document ({@link
 * JobImage}); hands the download to {@link OtaUpdate} with the document's signature as a {@link
 * OtaUpdate.FileCheck}; and reports {@link JobReport}s with the execution's current {@code
 * versionNumber} as {@code expectedVersion}, one at a time (progress reports are coalesced). A
 * {@code VersionMismatch} makes it describe the execution and retry with the version it learns.
 * {@link JobRecord} keeps the job across resets: after a reboot (the test boot, or a power cut) the
 * agent describes the execution, lets OtaUpdate resume or conclude, and delivers the final report.
 * Everything runs on the device's main loop.
 */
public final class AwsJobsAgent implements Library {

    /** The origin of this agent's updates in {@link OtaEvent}s. */
    public static final String ORIGIN = "aws-jobs";

    private static final long RETRY_MILLIS = 5000;
    private static final long ANSWER_MILLIS = 30_000;

    private final OtaUpdate ota;
    private final TrustedSigners signers;
    private final ScheduledExecutorService scheduler;
    private DeviceContext device;
    private String thing;
    private MqttLink link;
    private Optional<JobRecord> job = Optional.empty();

    /** The report waiting to be sent (the latest progress, or the final one). */
    private Optional<JobReport> pending = Optional.empty();

    /** The report in flight, sent again after a VersionMismatch. */
    private JobReport sent;

    /** An update or describe request is awaiting its answer. */
    private boolean inFlight;

    /** The execution's version is known for this boot (a describe or start-next answered). */
    private boolean versionKnown;

    private long tokens;

    /** Differs per boot, so that a late answer to a request of the previous boot is not taken. */
    private String tokenPrefix = "";

    /** The client token of the request in flight. */
    private String awaiting;

    private long pollMillis;

    public AwsJobsAgent(OtaUpdate ota, RootOfTrust rot, ScheduledExecutorService scheduler) {
        this.ota = ota;
        this.signers = TrustedSigners.of(rot);
        this.scheduler = scheduler;
    }

    @Override
    public String name() {
        return "aws-jobs";
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public void init(DeviceContext d) throws Exception {
        this.device = d;
        // the signature check holds even if the agent is switched off or misconfigured mid-job: a
        // resumed download of a job is never installed unchecked
        job = load();
        ota.fileCheck(ORIGIN, this::checkFile);
        Config c = d.config();
        if (!c.getBool("aws.enable")) {
            return;
        }
        this.thing =
                c.getString("aws.thing_name").isEmpty()
                        ? d.deviceId()
                        : c.getString("aws.thing_name");
        String server = c.getString("aws.server");
        // a bad setting disables the agent instead of failing init: a reboot loop would not fix it
        if (!JobsLimits.validThingName(thing)) {
            d.log("aws: disabled: aws.thing_name is not a valid thing name: " + thing);
            return;
        }
        if (!server.startsWith("ssl://")) {
            d.log("aws: disabled: aws.server must be ssl://host:port (mutual TLS)");
            return;
        }
        SocketFactory tls;
        try {
            tls = d.network().tlsContext(c.getString("aws.ssl_ca_cert"), true).getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            d.log("aws: disabled: no TLS client context: " + e.getMessage());
            return;
        }
        tokenPrefix = "mk-" + Long.toHexString(System.nanoTime() ^ thing.hashCode()) + "-";
        ota.addListener(this::otaEvent);
        String base = JobsTopic.PREFIX + thing + JobsTopic.BRIDGE;
        List<String> topics =
                List.of(
                        new JobsTopic.NotifyNext(thing).topic(),
                        JobsTopic.Request.startNext(thing).accepted().topic(),
                        JobsTopic.Request.startNext(thing).rejected().topic(),
                        base + "+/get/accepted",
                        base + "+/get/rejected",
                        base + "+/update/accepted",
                        base + "+/update/rejected");
        link =
                new MqttLink(
                        new MqttLink.Settings(
                                server,
                                thing,
                                tls,
                                c.getInt("mqtt.keep_alive"),
                                c.getInt("mqtt.queue_max"),
                                "",
                                new char[0],
                                c.getInt("mqtt.handshake_timeout")),
                        new Backoff(
                                c.getLong("mqtt.reconnect_timeout_min"),
                                c.getLong("mqtt.reconnect_timeout_max"),
                                new Random(thing.hashCode() ^ System.nanoTime())),
                        scheduler,
                        topics,
                        (topic, payload) -> d.post(() -> message(topic, payload)));
        d.onInitDone(this::afterBoot);
        pollMillis = c.getLong("aws.poll_interval") * 1000;
        d.log("aws: Jobs agent for thing " + thing + " on " + server);
    }

    /** After the OTA library concluded a test boot: resume a recorded job, or look for one. */
    private void afterBoot() {
        link.start();
        if (pollMillis > 0) {
            device.schedule(pollMillis, this::poll);
        }
        if (job.isPresent()) {
            JobRecord r = job.get();
            device.log("aws: resuming job " + r.jobId() + " (" + r.stage() + ")");
            r.finalReport().ifPresent(rep -> pending = Optional.of(rep));
            describe(r.jobId());
        } else {
            startNext();
        }
    }

    /** Closes the connection when the run ends (a reset). */
    @Override
    public void stop() {
        if (link != null) {
            link.close();
        }
    }

    // ---------------------------------------------------------------- requests

    private void startNext() {
        publish(
                JobsTopic.Request.startNext(thing),
                new StartNextPendingJobExecutionRequest(null, null, token()));
    }

    private void describe(String jobId) {
        publish(
                JobsTopic.Request.describe(thing, jobId),
                new DescribeJobExecutionRequest(null, true, awaitAnswer(jobId)));
    }

    /**
     * Marks a request in flight under a fresh client token; an answer lost with the connection
     * (clean sessions keep nothing) is given up after {@link #ANSWER_MILLIS} and the execution
     * described again.
     */
    private String awaitAnswer(String jobId) {
        String t = token();
        inFlight = true;
        awaiting = t;
        device.schedule(
                ANSWER_MILLIS,
                () -> {
                    if (t.equals(awaiting)) {
                        device.log("aws: no answer to " + t + "; asking again");
                        awaiting = null;
                        inFlight = false;
                        if (sent != null && pending.isEmpty()) {
                            pending = Optional.of(sent);
                        }
                        sent = null;
                        retry(jobId);
                    }
                });
        return t;
    }

    private void poll() {
        if (job.isEmpty() && link.isConnected()) {
            startNext();
        }
        device.schedule(pollMillis, this::poll);
    }

    /** Sends the pending report unless a request is in flight or the version is unknown. */
    private void flush() {
        if (inFlight || pending.isEmpty() || job.isEmpty() || !versionKnown) {
            return;
        }
        JobRecord r = job.get();
        JobReport rep = pending.get();
        pending = Optional.empty();
        inFlight = true;
        sent = rep;
        publish(
                JobsTopic.Request.update(thing, r.jobId()),
                rep.request(r.versionNumber(), awaitAnswer(r.jobId())));
    }

    private void report(JobReport rep) {
        // a final report is never replaced by a later progress report
        if (pending.isPresent() && pending.get().terminal() && !rep.terminal()) {
            return;
        }
        pending = Optional.of(rep);
        flush();
    }

    private void publish(JobsTopic.Request topic, Object payload) {
        link.publish(topic.topic(), JobsJson.write(payload), 1);
    }

    private String token() {
        return tokenPrefix + (++tokens);
    }

    // ---------------------------------------------------------------- answers

    private void message(String topic, byte[] payload) {
        Optional<JobsTopic> t = JobsTopic.parse(topic);
        if (t.isEmpty() || !t.get().thingName().equals(thing)) {
            return;
        }
        try {
            if (t.get() instanceof JobsTopic.NotifyNext) {
                NextJobExecutionChangedEvent e =
                        JobsJson.read(payload, NextJobExecutionChangedEvent.class);
                if (e.execution() != null && job.isEmpty()) {
                    startNext();
                }
            } else if (t.get() instanceof JobsTopic.Response r) {
                answer(r, payload);
            }
        } catch (JobsProtocolException e) {
            device.log("aws: unreadable message on " + topic + ": " + e.getMessage());
        }
    }

    private void answer(JobsTopic.Response r, byte[] payload) {
        JobsOperation op = r.request().operation();
        if (op == JobsOperation.START_NEXT) {
            if (r.accepted()) {
                StartNextJobExecutionResponse s =
                        JobsJson.read(payload, StartNextJobExecutionResponse.class);
                if (s.execution() != null) {
                    execution(s.execution());
                }
            }
            return;
        }
        // answers to other clients' requests on this thing's topics are not ours
        String t = JobsJson.clientTokenOf(payload);
        if (!ours(r.request().jobId()) || awaiting == null || !awaiting.equals(t)) {
            return;
        }
        awaiting = null;
        if (op == JobsOperation.DESCRIBE) {
            inFlight = false;
            if (r.accepted()) {
                execution(JobsJson.read(payload, DescribeJobExecutionResponse.class).execution());
            } else {
                gone(JobsJson.read(payload, RejectedErrorResponse.class));
            }
        } else if (op == JobsOperation.UPDATE) {
            inFlight = false;
            if (r.accepted()) {
                updated(JobsJson.read(payload, UpdateJobExecutionResponse.class));
            } else {
                rejected(JobsJson.read(payload, RejectedErrorResponse.class));
            }
        }
    }

    private boolean ours(String jobId) {
        return job.isPresent() && job.get().jobId().equals(jobId);
    }

    /** An execution offered by start-next, or described after a reset or a version mismatch. */
    private void execution(JobExecution e) {
        if (e == null) {
            return;
        }
        if (job.isPresent()) {
            JobRecord r = job.get();
            if (!r.jobId().equals(e.jobId())) {
                return; // the recorded job is finished first
            }
            if (e.status() != null && e.status().terminal()) {
                device.log("aws: job " + r.jobId() + " is already " + e.status());
                forget();
                return;
            }
            if (e.versionNumber() != null) {
                save(r.withVersion(e.versionNumber()));
            }
            versionKnown = true;
            if (sent != null && pending.isEmpty()) {
                pending = Optional.of(sent); // retry what the mismatch refused
            }
            sent = null;
            if (r.stage() == JobRecord.Stage.DOWNLOADING
                    && ota.transferProgress().isEmpty()
                    && !ota.underTest()) {
                // the reset came before OtaUpdate recorded the download: start it again
                begin(e, false);
                return;
            }
            flush();
            return;
        }
        begin(e, true);
    }

    /** Takes a new job: check the document, record the job, start the download. */
    private void begin(JobExecution e, boolean fresh) {
        long version = e.versionNumber() == null ? 0 : e.versionNumber();
        JobImage image;
        try {
            image =
                    JobImage.fromDocument(
                            e.jobDocument(),
                            device.config().getString("aws.file_path"),
                            Math.min(
                                    device.layout().slot(Slot.A).size(),
                                    device.layout().slot(Slot.B).size()));
            if (signers.isEmpty()) {
                throw new IllegalArgumentException(
                        "the device trusts no ECDSA key to check sig-sha256-ecdsa");
            }
        } catch (IllegalArgumentException x) {
            device.log("aws: job " + e.jobId() + " refused: " + x.getMessage());
            save(JobRecord.downloading(e.jobId(), version, new byte[0]));
            finish(JobReport.refused(x.getMessage()));
            versionKnown = true;
            flush();
            return;
        }
        save(JobRecord.downloading(e.jobId(), version, image.signature()));
        versionKnown = true;
        if (fresh) {
            report(JobReport.accepted());
        }
        try {
            ota.update(
                    new OtaUpdate.Request(
                            ORIGIN,
                            image.url(),
                            OptionalLong.empty(),
                            new OtaUpdate.Expectations(
                                    Optional.empty(), OptionalLong.of(image.size()))));
            device.log("aws: job " + e.jobId() + ": downloading " + image.size() + " bytes");
        } catch (OtaUpdate.BusyException x) {
            finish(JobReport.refused(x.getMessage()));
        }
    }

    private void updated(UpdateJobExecutionResponse u) {
        JobRecord r = job.orElseThrow();
        if (u.executionState() != null && u.executionState().versionNumber() != null) {
            save(r.withVersion(u.executionState().versionNumber()));
        } else {
            save(r.withVersion(r.versionNumber() + 1));
        }
        JobReport done = sent;
        sent = null;
        if (done != null && done.terminal()) {
            device.log("aws: job " + r.jobId() + " reported " + done.status());
            forget();
            startNext();
            return;
        }
        flush();
    }

    private void rejected(RejectedErrorResponse e) {
        JobRecord r = job.orElseThrow();
        if (e.code() == RejectedErrorCode.VersionMismatch) {
            device.log(
                    "aws: job "
                            + r.jobId()
                            + ": version "
                            + r.versionNumber()
                            + " is stale; describing");
            describe(r.jobId());
            return;
        }
        gone(e);
    }

    /** The service refused for good (job cancelled, removed or already terminal): drop it. */
    private void gone(RejectedErrorResponse e) {
        if (e.code() == RejectedErrorCode.TerminalStateReached
                || e.code() == RejectedErrorCode.ResourceNotFound
                || e.code() == RejectedErrorCode.InvalidStateTransition) {
            device.log(
                    "aws: job "
                            + job.map(JobRecord::jobId).orElse("?")
                            + " dropped: "
                            + e.code()
                            + " "
                            + e.message());
            forget();
            startNext();
        } else {
            // throttled or a service error: ask again later, then resend what is pending
            device.log("aws: request refused: " + e.code() + " " + e.message() + "; retrying");
            if (sent != null && pending.isEmpty()) {
                pending = Optional.of(sent);
            }
            sent = null;
            String jobId = job.map(JobRecord::jobId).orElse(null);
            if (jobId != null) {
                device.schedule(RETRY_MILLIS, () -> retry(jobId));
            }
        }
    }

    private void retry(String jobId) {
        if (ours(jobId) && !inFlight) {
            describe(jobId);
        }
    }

    // ---------------------------------------------------------------- the update's events

    private void otaEvent(OtaEvent e) {
        if (!e.origin().equals(ORIGIN) || job.isEmpty()) {
            return;
        }
        if (e instanceof OtaEvent.Progress p) {
            report(JobReport.progress(p.percent(), p.bytes(), p.total()));
        } else if (e instanceof OtaEvent.Installed i) {
            save(job.get().testing());
            report(JobReport.installed(i.version()));
        } else if (e instanceof OtaEvent.Ended end) {
            finish(JobReport.ended(end.result()));
        }
    }

    /** Records the final report first, so that a reset before it is accepted repeats it. */
    private void finish(JobReport rep) {
        save(job.orElseThrow().reporting(rep));
        pending = Optional.empty();
        report(rep);
    }

    private Optional<String> checkFile(byte[] sha256) {
        if (job.isEmpty()) {
            return Optional.of("no AWS job recorded for this download");
        }
        return signers.verify(sha256, job.get().signature())
                ? Optional.empty()
                : Optional.of("sig-sha256-ecdsa does not verify with a trusted key");
    }

    // ---------------------------------------------------------------- the record

    private Optional<JobRecord> load() {
        Optional<byte[]> b = device.files().read(JobRecord.FILE);
        if (b.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobRecord.fromJson(b.get()));
        } catch (IllegalArgumentException e) {
            device.log("aws: " + JobRecord.FILE + " unreadable; dropped");
            device.files().delete(JobRecord.FILE);
            return Optional.empty();
        }
    }

    private void save(JobRecord r) {
        job = Optional.of(r);
        device.files().write(JobRecord.FILE, r.toJson());
    }

    private void forget() {
        job = Optional.empty();
        pending = Optional.empty();
        sent = null;
        inFlight = false;
        awaiting = null;
        device.files().delete(JobRecord.FILE);
    }
}
