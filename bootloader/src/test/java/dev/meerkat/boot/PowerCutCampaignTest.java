package dev.meerkat.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.boot.sim.PowerCutCampaign;
import dev.meerkat.boot.sim.Scenarios;
import dev.meerkat.boot.sim.SimProfile;
import org.junit.jupiter.api.Test;

class PowerCutCampaignTest {

    @Test
    void everyCutPointOfEveryScenarioRecovers() throws Exception {
        PowerCutCampaign campaign = new PowerCutCampaign(true, 7, System.out::println);
        PowerCutCampaign.Result r = campaign.run(Scenarios.all(), SimProfile.all());
        System.out.println(r.toJson());
        assertThat(r.scenarios()).allSatisfy(s -> assertThat(s.failures()).isEmpty());
        assertThat(r.cutPoints()).isGreaterThanOrEqualTo(2000);
        assertThat(r.passed()).isTrue();
    }
}
