package dev.meerkat.boot.sim;

/**
 * A power-cut scenario: a setup that brings a board to a known state (never interrupted), and the
 * operations under test, which the campaign interrupts at every flash operation.
 */
public interface Scenario {

    /** Short name used on the command line. */
    String name();

    /** One line saying what is exercised. */
    String description();

    /** Brings a fresh board to the scenario's starting state. */
    void setup(SimDevice device) throws Exception;

    /** The operations that are cut. */
    void run(SimDevice device) throws Exception;
}
