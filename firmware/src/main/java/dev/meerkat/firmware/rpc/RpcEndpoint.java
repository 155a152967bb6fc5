package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;

/**
 * What a network channel sees of the device: requests and credential checks, run on the device's
 * main loop through the {@link RpcAuthenticator}. Called from channel threads.
 */
public final class RpcEndpoint {

    /** Runs a task on the device's main loop and waits for its result. */
    @FunctionalInterface
    public interface MainLoop {
        <T> T run(Callable<T> task);
    }

    private final RpcDispatcher dispatcher;
    private final RpcAuthenticator authenticator;
    private final MainLoop loop;

    public RpcEndpoint(RpcDispatcher dispatcher, RpcAuthenticator authenticator, MainLoop loop) {
        this.dispatcher = dispatcher;
        this.authenticator = authenticator;
        this.loop = loop;
    }

    /** The response frame of {@code frame} (null when it is not answered). */
    public ObjectNode call(ObjectNode frame, RpcCredential presented) {
        return loop.run(() -> authenticator.handle(dispatcher, frame, presented));
    }

    /** Checks HTTP Digest credentials (a WebSocket upgrade). */
    public DigestAuth.Outcome verify(RpcCredential.HttpDigest presented) {
        return loop.run(() -> authenticator.verify(presented));
    }

    /** A {@code WWW-Authenticate} challenge. */
    public String challenge(boolean stale) {
        return authenticator.digest().challenge(stale);
    }
}
