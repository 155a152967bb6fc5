package dev.meerkat.fleet.gcp.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fleet.gcp.IotCoreException;
import dev.meerkat.fleet.gcp.RpcCode;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The google.rpc error body ({@code {"error":{"code","message","status"}}}) Google's clients parse.
 */
final class GoogleRpcErrors {
    private GoogleRpcErrors() {}

    static Response of(IotCoreException e) {
        return of(e.code(), e.getMessage());
    }

    static Response of(RpcCode code, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code.httpStatus());
        error.put("message", message);
        error.put("status", code.name());
        return Response.status(code.httpStatus())
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }
}
