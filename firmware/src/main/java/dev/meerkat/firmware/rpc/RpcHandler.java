package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;

/** One RPC method. Runs on the device's main loop. */
@FunctionalInterface
public interface RpcHandler {

    /**
     * @param args the request's {@code args} (an empty object when absent)
     * @return the {@code result} (null for an empty object)
     * @throws RpcException to answer with an error frame
     */
    JsonNode handle(JsonNode args) throws RpcException;
}
