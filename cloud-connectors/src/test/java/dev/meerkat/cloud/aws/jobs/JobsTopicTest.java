package dev.meerkat.cloud.aws.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobsTopicTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "$aws/things/dev1/jobs/get",
                "$aws/things/dev1/jobs/get/accepted",
                "$aws/things/dev1/jobs/get/rejected",
                "$aws/things/dev1/jobs/start-next",
                "$aws/things/dev1/jobs/start-next/accepted",
                "$aws/things/dev1/jobs/ota-1/get",
                "$aws/things/dev1/jobs/$next/get/accepted",
                "$aws/things/dev1/jobs/ota-1/update",
                "$aws/things/dev1/jobs/ota-1/update/rejected",
                "$aws/things/dev1/jobs/notify",
                "$aws/things/dev1/jobs/notify-next",
                "$aws/things/a:b_c-9/jobs/get"
            })
    void everyApiTopicParsesAndFormatsBackToItself(String topic) {
        assertThat(JobsTopic.parse(topic))
                .hasValueSatisfying(t -> assertThat(t.topic()).isEqualTo(topic));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "$aws/things/dev1/jobs/",
                "$aws/things//jobs/get",
                "$aws/things/dev1/jobs/ota-1",
                "$aws/things/dev1/jobs/x/y/z/w",
                "$aws/things/dev1/jobs/$next/update",
                "$aws/things/dev 1/jobs/get",
                "$aws/things/dev1/jobs/ota.1/get",
                "$aws/things/dev1/shadow/get",
                "aws/things/dev1/jobs/get",
                "$aws/things/dev1/jobs/notify/accepted",
                "$aws/things/dev1/jobs/ota-1/get/maybe"
            })
    void anythingElseIsNotAJobsTopic(String topic) {
        assertThat(JobsTopic.parse(topic)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void requestsKnowTheirOperationAndAnswers() {
        JobsTopic.Request r =
                (JobsTopic.Request)
                        JobsTopic.parse("$aws/things/dev1/jobs/ota-1/update").orElseThrow();
        assertThat(r.operation()).isEqualTo(JobsOperation.UPDATE);
        assertThat(r.jobId()).isEqualTo("ota-1");
        assertThat(r.accepted().topic()).isEqualTo("$aws/things/dev1/jobs/ota-1/update/accepted");
        assertThat(JobsTopic.requestFilters())
                .containsExactly(
                        "$aws/things/+/jobs/get",
                        "$aws/things/+/jobs/start-next",
                        "$aws/things/+/jobs/+/get",
                        "$aws/things/+/jobs/+/update");
    }
}
