package dev.meerkat.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Many simulated devices that are MQTT clients only (no firmware, no download), all on one Netty
 * event loop group: each connects as its device id, subscribes to {@code <id>/rpc}, answers an
 * mg_rpc {@code OTA.Update} on {@code <src>/rpc} as the firmware does, and reports on {@code
 * <id>/ota} what a real update reports: {@code downloading}, {@code installed}, then {@code
 * committed} with the new version. Every frame is byte-compatible with the firmware's; only the
 * download, flash and reboot are skipped (an optional delay stands for them). Each device connects
 * over mutual TLS with its own certificate from {@link MqttPki#FLEET}, as the broker (identity from
 * the certificate, per-device ACL) requires.
 */
final class LightDevices implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoopGroup group = new NioEventLoopGroup(2);
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    private final Set<Long> handled = ConcurrentHashMap.newKeySet();
    private final AtomicInteger told = new AtomicInteger();
    private final AtomicInteger committed = new AtomicInteger();
    private final String version;
    private final long installMillis;

    LightDevices(String version, Duration install) {
        this.version = version;
        this.installMillis = install.toMillis();
    }

    /** Connects every device (at most 256 handshakes at a time) and waits for its SUBACK. */
    void connect(String host, int port, List<String> ids, Duration timeout) throws Exception {
        Map<String, SslContext> tls =
                ids.parallelStream().collect(Collectors.toMap(id -> id, LightDevices::tls));
        Semaphore inFlight = new Semaphore(256);
        Bootstrap b =
                new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String id : ids) {
            if (!inFlight.tryAcquire(
                    Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
                throw new IllegalStateException("connect timed out at " + subscribed.size());
            b.clone()
                    .handler(
                            new ChannelInitializer<SocketChannel>() {
                                @Override
                                protected void initChannel(SocketChannel ch) {
                                    ch.pipeline()
                                            .addLast(tls.get(id).newHandler(ch.alloc(), host, port))
                                            .addLast(new MqttDecoder(65536))
                                            .addLast(MqttEncoder.INSTANCE)
                                            .addLast(new Device(id, inFlight));
                                }
                            })
                    .connect(host, port)
                    .addListener(
                            f -> {
                                if (!f.isSuccess()) inFlight.release();
                            });
        }
        while (subscribed.size() < ids.size()) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(
                        subscribed.size() + " of " + ids.size() + " devices subscribed");
            Thread.sleep(50);
        }
    }

    /** A TLS client context presenting a new certificate for {@code id}, trusting the fleet CA. */
    private static SslContext tls(String id) {
        try {
            return new JdkSslContext(
                    MqttPki.clientTls(MqttPki.FLEET.issue(id, false)), true, ClientAuth.NONE);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    int told() {
        return told.get();
    }

    int committed() {
        return committed.get();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Device extends SimpleChannelInboundHandler<MqttMessage> {
        private final String id;
        private final Semaphore inFlight;
        private int packetId;

        Device(String id, Semaphore inFlight) {
            this.id = id;
            this.inFlight = inFlight;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channels.put(id, ctx.channel());
            ctx.writeAndFlush(
                    MqttMessageBuilders.connect()
                            .clientId(id)
                            .cleanSession(true)
                            .keepAlive(600)
                            .protocolVersion(io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1)
                            .build());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) throws Exception {
            switch (m.fixedHeader().messageType()) {
                case CONNACK -> {
                    MqttConnAckMessage ack = (MqttConnAckMessage) m;
                    if (ack.variableHeader().connectReturnCode()
                            != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                        ctx.close();
                        inFlight.release();
                        return;
                    }
                    ctx.writeAndFlush(
                            MqttMessageBuilders.subscribe()
                                    .messageId(nextId())
                                    .addSubscription(MqttQoS.AT_LEAST_ONCE, id + "/rpc")
                                    .build());
                }
                case SUBACK -> {
                    if (subscribed.add(id)) inFlight.release();
                }
                case PUBLISH -> onPublish(ctx, (MqttPublishMessage) m);
                default -> {
                    // PUBACKs of our reports, PINGRESP
                }
            }
        }

        private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage p) throws Exception {
            if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                ctx.writeAndFlush(
                        new MqttMessage(
                                new MqttFixedHeader(
                                        MqttMessageType.PUBACK,
                                        false,
                                        MqttQoS.AT_MOST_ONCE,
                                        false,
                                        2),
                                MqttMessageIdVariableHeader.from(p.variableHeader().packetId())));
            }
            byte[] body = new byte[p.payload().readableBytes()];
            p.payload().readBytes(body);
            JsonNode f = JSON.readTree(body);
            if (!"OTA.Update".equals(f.path("method").asText())) return;
            long frame = f.path("id").asLong();
            ObjectNode reply = JSON.createObjectNode();
            reply.put("id", frame).put("src", id);
            reply.putObject("result");
            publish(ctx, f.path("src").asText() + "/rpc", reply);
            if (!handled.add(frame)) return; // a resend of an update already under way
            told.incrementAndGet();
            ObjectNode start = JSON.createObjectNode();
            start.put("state", "downloading")
                    .put("url", f.path("args").path("url").asText())
                    .put("slot", "1")
                    .put("bytes", 0);
            publish(ctx, id + "/ota", start);
            ctx.executor()
                    .schedule(
                            () -> {
                                ObjectNode inst = JSON.createObjectNode();
                                inst.put("state", "installed").put("version", version);
                                publish(ctx, id + "/ota", inst);
                                ObjectNode done = JSON.createObjectNode();
                                done.put("state", "committed")
                                        .put("version", version)
                                        .put("running", version);
                                publish(ctx, id + "/ota", done);
                                committed.incrementAndGet();
                            },
                            installMillis,
                            TimeUnit.MILLISECONDS);
        }

        private void publish(ChannelHandlerContext ctx, String topic, ObjectNode body) {
            byte[] bytes;
            try {
                bytes = JSON.writeValueAsBytes(body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            ByteBuf payload = Unpooled.wrappedBuffer(bytes);
            ctx.writeAndFlush(
                    MqttMessageBuilders.publish()
                            .topicName(topic)
                            .qos(MqttQoS.AT_LEAST_ONCE)
                            .messageId(nextId())
                            .payload(payload)
                            .build());
        }

        private int nextId() {
            packetId = packetId % 65535 + 1;
            return packetId;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
