package dev.meerkat.firmware.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RpcAclTest {

    private static RpcAcl acl(String json) {
        return RpcAcl.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void firstMatchingMethodThenFirstMatchingUserDecides() {
        RpcAcl a =
                acl(
                        "[{\"method\":\"Sys.GetInfo\",\"acl\":\"*\"},"
                                + "{\"method\":\"Config.*\",\"acl\":\"-guest,?*\"},"
                                + "{\"method\":\"OTA.*\",\"acl\":\"+ops-*,+admin\"},"
                                + "{\"method\":\"*\",\"acl\":\"+admin\"}]");
        assertThat(a.allows("Sys.GetInfo", "")).isTrue();
        assertThat(a.allows("Config.Set", "")).as("?* needs a name").isFalse();
        assertThat(a.allows("Config.Set", "guest")).isFalse();
        assertThat(a.allows("Config.Set", "alice")).isTrue();
        assertThat(a.allows("OTA.Update", "ops-berlin")).isTrue();
        assertThat(a.allows("OTA.Update", "alice")).as("no user pattern matches: denied").isFalse();
        assertThat(a.allows("Sys.Reboot", "admin")).isTrue();
        assertThat(a.allows("Sys.Reboot", "alice")).isFalse();
        assertThat(acl("[]").allows("Sys.GetInfo", "admin")).as("no rule: denied").isFalse();
    }

    @Test
    void theDefaultIsAdminOnlyAndBadFilesAreRefused() {
        assertThat(RpcAcl.DEFAULT.allows("Sys.GetInfo", "admin")).isTrue();
        assertThat(RpcAcl.DEFAULT.allows("Sys.GetInfo", "")).isFalse();
        assertThat(RpcAcl.DEFAULT.allows("Sys.GetInfo", "viewer")).isFalse();
        assertThatThrownBy(() -> acl("{\"method\":\"*\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> acl("[{\"method\":\"*\",\"acl\":1}]"))
                .hasMessageContaining("string method and acl");
    }

    @Test
    void globs() {
        assertThat(RpcAcl.glob("*", "")).isTrue();
        assertThat(RpcAcl.glob("?*", "")).isFalse();
        assertThat(RpcAcl.glob("Config.*", "Config.")).isTrue();
        assertThat(RpcAcl.glob("Config.*", "Confi")).isFalse();
        assertThat(RpcAcl.glob("*.Get*", "FS.GetInfo")).isTrue();
        assertThat(RpcAcl.glob("a*b*c", "aXbYbZc")).isTrue();
        assertThat(RpcAcl.glob("a*b*c", "aXbYbZ")).isFalse();
    }
}
