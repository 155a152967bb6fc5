package dev.meerkat.cloud.aws.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine on its own: answers, rejections and when notify / notify-next go out. */
class JobsProtocolEngineTest {

    private final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    private final InMemoryJobsBackend backend = new InMemoryJobsBackend(clock);
    private final JobsProtocolEngine engine = new JobsProtocolEngine(backend, clock);

    private List<OutgoingMessage> send(String topic, String payload) {
        return engine.onMessage(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(OutgoingMessage m) throws Exception {
        return JobsJson.mapper().readTree(m.payload());
    }

    @Test
    void getPendingSplitsInProgressAndQueuedAndEchoesTheToken() throws Exception {
        backend.queue("dev1", "a", JobsJson.mapper().createObjectNode().put("op", "x"));
        backend.queue("dev1", "b", null);
        send("$aws/things/dev1/jobs/start-next", "{}");
        List<OutgoingMessage> out = send("$aws/things/dev1/jobs/get", "{\"clientToken\":\"t1\"}");
        assertThat(out).hasSize(1);
        assertThat(out.get(0).topic()).isEqualTo("$aws/things/dev1/jobs/get/accepted");
        JsonNode body = json(out.get(0));
        assertThat(body.path("inProgressJobs").get(0).path("jobId").asText()).isEqualTo("a");
        assertThat(body.path("queuedJobs").get(0).path("jobId").asText()).isEqualTo("b");
        assertThat(body.path("clientToken").asText()).isEqualTo("t1");
        assertThat(body.path("timestamp").asLong()).isEqualTo(1_700_000_000L);
    }

    @Test
    void rejectionsGoToTheRejectedTopicWithAwsCodes() throws Exception {
        List<OutgoingMessage> out =
                send("$aws/things/dev1/jobs/nope/get", "{\"clientToken\":\"c\"}");
        assertThat(out.get(0).topic()).isEqualTo("$aws/things/dev1/jobs/nope/get/rejected");
        assertThat(json(out.get(0)).path("code").asText()).isEqualTo("ResourceNotFound");
        assertThat(json(out.get(0)).path("clientToken").asText()).isEqualTo("c");
        out = send("$aws/things/dev1/jobs/start-next", "{not json");
        assertThat(out.get(0).topic()).isEqualTo("$aws/things/dev1/jobs/start-next/rejected");
        assertThat(json(out.get(0)).path("code").asText()).isEqualTo("InvalidJson");
        assertThat(send("$aws/things/dev1/jobs/get/accepted", "{}")).isEmpty();
        // $next with nothing pending: accepted, no execution
        out = send("$aws/things/dev1/jobs/$next/get", "{\"clientToken\":\"n\"}");
        assertThat(out.get(0).topic()).isEqualTo("$aws/things/dev1/jobs/$next/get/accepted");
        assertThat(json(out.get(0)).has("execution")).isFalse();
        backend.queue("dev1", "a", JobsJson.mapper().createObjectNode().put("op", "x"));
        out = send("$aws/things/dev1/jobs/$next/get", "{\"includeJobDocument\":false}");
        assertThat(json(out.get(0)).path("execution").path("jobId").asText()).isEqualTo("a");
        assertThat(json(out.get(0)).path("execution").has("jobDocument")).isFalse();
    }

    @Test
    void notifyNextOnlyWhenTheNextExecutionChanges() throws Exception {
        backend.queue("dev1", "a", null);
        List<OutgoingMessage> first = engine.onExecutionsChanged("dev1");
        assertThat(first)
                .extracting(OutgoingMessage::topic)
                .containsExactly(
                        "$aws/things/dev1/jobs/notify", "$aws/things/dev1/jobs/notify-next");
        assertThat(engine.onExecutionsChanged("dev1")).isEmpty();
        // starting "a" changes neither the pending set nor the next one
        List<OutgoingMessage> started = send("$aws/things/dev1/jobs/start-next", "{}");
        assertThat(started)
                .extracting(OutgoingMessage::topic)
                .containsExactly("$aws/things/dev1/jobs/start-next/accepted");
        backend.queue("dev1", "b", null);
        assertThat(engine.onExecutionsChanged("dev1"))
                .extracting(OutgoingMessage::topic)
                .containsExactly("$aws/things/dev1/jobs/notify");
        List<OutgoingMessage> done =
                send(
                        "$aws/things/dev1/jobs/a/update",
                        "{\"status\":\"SUCCEEDED\",\"expectedVersion\":2}");
        assertThat(done)
                .extracting(OutgoingMessage::topic)
                .containsExactly(
                        "$aws/things/dev1/jobs/a/update/accepted",
                        "$aws/things/dev1/jobs/notify",
                        "$aws/things/dev1/jobs/notify-next");
        assertThat(json(done.get(2)).path("execution").path("jobId").asText()).isEqualTo("b");
        assertThat(json(done.get(0)).has("executionState")).isFalse();
        List<OutgoingMessage> last =
                send("$aws/things/dev1/jobs/b/update", "{\"status\":\"REJECTED\"}");
        assertThat(json(last.get(2)).has("execution")).isFalse();
        assertThat(json(last.get(1)).path("jobs").size()).isZero();
    }
}
