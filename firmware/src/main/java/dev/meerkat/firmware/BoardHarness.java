package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.hal.ResetException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How tests and host-side tools drive a board from outside: wait for a condition, run code on the
 * device's main loop, call an RPC method in-process, let device time pass.
 */
public final class BoardHarness {

    private final Board board;

    BoardHarness(Board board) {
        this.board = board;
    }

    /** Waits until {@code condition} holds; false on timeout. */
    public boolean await(Predicate<Board> condition, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.test(board)) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Runs {@code f} on the device's main loop and returns its result. */
    public <T> T onDevice(Function<Firmware, T> f) {
        Firmware fw = board.firmware();
        if (fw == null || !fw.isRunning()) {
            throw new IllegalStateException(board.id() + " is not running (" + board.state() + ")");
        }
        try {
            return fw.submit(() -> f.apply(fw)).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ResetException re) {
                throw new IllegalStateException(
                        board.id() + " reset during the call: " + re.getMessage(), re);
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(board.id() + " did not answer: " + e, e);
        }
    }

    /** Calls an RPC method in-process (the same dispatcher the channels use). */
    public JsonNode rpc(String method, JsonNode args) throws RpcException {
        Object r =
                onDevice(
                        fw -> {
                            try {
                                return fw.rpc().call(method, args);
                            } catch (RpcException e) {
                                return e;
                            }
                        });
        if (r instanceof RpcException e) {
            throw e;
        }
        return (JsonNode) r;
    }

    /** Lets {@code d} of device time pass at once (timers such as the commit deadline fire). */
    public void advance(Duration d) {
        onDevice(
                fw -> {
                    fw.advance(d);
                    return null;
                });
    }
}
