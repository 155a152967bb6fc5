package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.JsonNode;

/** Observes a board: its log and the events it publishes (in the same JVM, no broker needed). */
public interface BoardListener {

    BoardListener NONE = new BoardListener() {};

    default void log(String deviceId, String line) {}

    /** An event the firmware published on {@code <device>/<subtopic>} (or queued while offline). */
    default void event(String deviceId, String subtopic, JsonNode payload) {}

    /** The board changed state. */
    default void state(String deviceId, Board.State state) {}
}
