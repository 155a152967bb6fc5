package dev.meerkat.chip.emulator;

import java.util.HashMap;
import java.util.Map;

/** Faults to inject into an {@link EmulatedChip}; each counter is consumed as faults fire. */
public final class Faults {
    int corruptResponses;
    int commErrors;
    int busyReads;
    boolean selfTestFailure;
    boolean rngHealthFailure;
    int powerLossAfter = -1;
    final Map<Integer, int[]> forcedStatus = new HashMap<>();

    /** The next {@code n} response reads come back with a damaged CRC (a re-read is clean). */
    public synchronized Faults corruptResponses(int n) {
        corruptResponses += n;
        return this;
    }

    /**
     * The next {@code n} commands are answered with status 0xFF as if their CRC had been damaged on
     * the bus.
     */
    public synchronized Faults commErrors(int n) {
        commErrors += n;
        return this;
    }

    /** The next {@code n} response reads are not acknowledged (chip still busy). */
    public synchronized Faults busyReads(int n) {
        busyReads += n;
        return this;
    }

    /**
     * The next {@code times} executions of {@code opcode} return {@code status} without side
     * effects.
     */
    public synchronized Faults failCommand(int opcode, int status, int times) {
        forcedStatus.put(opcode, new int[] {status, times});
        return this;
    }

    /**
     * The self test fails: the next wake reports 0x07 and crypto commands are refused until a
     * SelfTest passes.
     */
    public synchronized Faults selfTestFailure(boolean fail) {
        selfTestFailure = fail;
        return this;
    }

    /**
     * The random number generator's health test fails: every command that needs a random number
     * (Random, Nonce random, GenKey of a private key, Sign, outputs encrypted with a fresh nonce)
     * answers 0x08, until the fault is cleared and a wake or a SelfTest of the RNG runs the health
     * test again.
     */
    public synchronized Faults rngHealthFailure(boolean fail) {
        rngHealthFailure = fail;
        return this;
    }

    /**
     * Power fails after {@code commands} more commands: the next command still runs (what it writes
     * to non-volatile memory stays written) but its response is lost, and the chip answers nothing
     * until {@link EmulatedChip#powerCycle()}.
     */
    public synchronized Faults powerLossAfter(int commands) {
        powerLossAfter = commands;
        return this;
    }

    synchronized boolean takePowerLoss() {
        if (powerLossAfter < 0) return false;
        return powerLossAfter-- == 0;
    }

    synchronized boolean takeCorrupt() {
        if (corruptResponses <= 0) return false;
        corruptResponses--;
        return true;
    }

    synchronized boolean takeCommError() {
        if (commErrors <= 0) return false;
        commErrors--;
        return true;
    }

    synchronized boolean takeBusy() {
        if (busyReads <= 0) return false;
        busyReads--;
        return true;
    }

    synchronized Integer takeForced(int opcode) {
        int[] f = forcedStatus.get(opcode);
        if (f == null || f[1] <= 0) return null;
        f[1]--;
        return f[0];
    }
}
