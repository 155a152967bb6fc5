package dev.meerkat.fleet.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.FleetConfig;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One link per release is shared by the devices told within a tenth of its lifetime. */
class DownloadLinksTest {

    @Test
    void reusesALinkForATenthOfItsLifetimeThenMakesANewOne(@TempDir Path dir) {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        DownloadLinks links = links(dir, Duration.ofMinutes(5));
        links.clock = Clock.fixed(t0, ZoneOffset.UTC);
        Release r = release("r1");

        URI first = links.urlFor(r);
        links.clock = Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC);
        assertThat(links.urlFor(r)).isEqualTo(first);
        assertThat(links.urlFor(release("r2"))).isNotEqualTo(first);

        links.clock = Clock.fixed(t0.plusSeconds(31), ZoneOffset.UTC);
        URI second = links.urlFor(r);
        assertThat(second).isNotEqualTo(first);
        assertThat(second.getQuery())
                .contains("expires=" + t0.plusSeconds(31 + 300).getEpochSecond());
        // both links stay valid until their own expiry
        assertThat(valid(links, first)).isTrue();
        assertThat(valid(links, second)).isTrue();
        links.clock = Clock.fixed(t0.plusSeconds(301), ZoneOffset.UTC);
        assertThat(valid(links, first)).isFalse();
        assertThat(valid(links, second)).isTrue();
    }

    @Test
    void aLongLifetimeReusesForAtMostAMinute(@TempDir Path dir) {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        DownloadLinks links = links(dir, Duration.ofHours(6));
        links.clock = Clock.fixed(t0, ZoneOffset.UTC);
        URI first = links.urlFor(release("r1"));
        links.clock = Clock.fixed(t0.plusSeconds(60), ZoneOffset.UTC);
        assertThat(links.urlFor(release("r1"))).isEqualTo(first);
        links.clock = Clock.fixed(t0.plusSeconds(61), ZoneOffset.UTC);
        assertThat(links.urlFor(release("r1"))).isNotEqualTo(first);
    }

    private static boolean valid(DownloadLinks links, URI link) {
        String q = link.getQuery();
        long expires = Long.parseLong(q.replaceAll(".*expires=([0-9]+).*", "$1"));
        String sig = q.replaceAll(".*sig=([0-9a-f]+).*", "$1");
        return links.valid("r1", expires, sig);
    }

    private static DownloadLinks links(Path dir, Duration ttl) {
        FleetConfig.Storage storage =
                (FleetConfig.Storage)
                        Proxy.newProxyInstance(
                                DownloadLinksTest.class.getClassLoader(),
                                new Class<?>[] {FleetConfig.Storage.class},
                                (proxy, m, args) -> m.getName().equals("presignTtl") ? ttl : null);
        FleetConfig config =
                (FleetConfig)
                        Proxy.newProxyInstance(
                                DownloadLinksTest.class.getClassLoader(),
                                new Class<?>[] {FleetConfig.class},
                                (proxy, m, args) ->
                                        switch (m.getName()) {
                                            case "dataDir" -> dir;
                                            case "storage" -> storage;
                                            case "publicUrl" -> "https://fleet.example/";
                                            default -> null;
                                        });
        DownloadLinks links = new DownloadLinks();
        links.config = config;
        links.store = new DirectoryObjectStore(dir.resolve("objects"));
        links.init();
        return links;
    }

    private static Release release(String id) {
        return new Release(
                id,
                "mcuboot",
                "2.0.0",
                null,
                null,
                1,
                "",
                "",
                "",
                "",
                "",
                id + ".bin",
                Instant.EPOCH,
                "test");
    }
}
