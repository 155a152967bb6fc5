package dev.meerkat.fleet.aws;

import java.util.List;

/** The AWS endpoints with the Jobs MQTT API served through a real Mosquitto. */
public class JobsBrokerProfile extends AwsProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(JobsBrokerResource.class));
    }
}
