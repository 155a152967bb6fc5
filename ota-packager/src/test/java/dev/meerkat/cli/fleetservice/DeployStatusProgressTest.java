package dev.meerkat.cli.fleetservice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The progress line of {@code deploy status --watch}: the state and the devices that finished. */
class DeployStatusProgressTest {

    @Test
    void countsFinishedExecutionsOfEveryPhase() throws Exception {
        var status =
                new ObjectMapper()
                        .readTree(
                                """
                                {"deployment":{"id":"eu-v2","state":"RUNNING"},
                                 "phases":[
                                   {"devices":2,"counts":{"SUCCEEDED":2}},
                                   {"devices":8,"counts":{"SUCCEEDED":3,"FAILED":1,"TIMED_OUT":1,
                                                          "IN_PROGRESS":2,"QUEUED":1}},
                                   {"devices":10,"counts":{"QUEUED":10}}]}
                                """);
        assertThat(DeployCommand.Status.progress(status))
                .isEqualTo("RUNNING, 7 of 20 devices finished");
    }
}
