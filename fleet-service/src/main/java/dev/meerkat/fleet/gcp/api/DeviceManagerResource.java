package dev.meerkat.fleet.gcp.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fleet.gcp.DeviceConfig;
import dev.meerkat.fleet.gcp.DeviceName;
import dev.meerkat.fleet.gcp.DeviceState;
import dev.meerkat.fleet.gcp.IotCoreException;
import dev.meerkat.fleet.gcp.IotCoreService;
import dev.meerkat.fleet.gcp.IotDevice;
import dev.meerkat.fleet.gcp.Registry;
import dev.meerkat.fleet.gcp.RegistryName;
import dev.meerkat.fleet.gcp.RpcCode;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The Cloud IoT Core v1 {@code DeviceManager} over REST, as Google's HTTP/JSON transports call it
 * ({@code /v1/projects/{p}/locations/{l}/registries/...}, custom verbs after a colon). Writers are
 * {@code admin} and {@code operator}; every fleet role but {@code device} may read.
 */
@Path("/v1/projects/{project}/locations/{location}/registries")
@Produces(MediaType.APPLICATION_JSON)
public class DeviceManagerResource {
    private static final String DEVICE = "{device: [^/:]+}";

    @Inject IotCoreService service;

    @Inject SecurityIdentity identity;

    // ---- registries

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode createRegistry(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @QueryParam("$alt") String alt,
            JsonNode body) {
        ObjectNode b = IotCoreJson.object(body, "DeviceRegistry");
        RegistryName name = new RegistryName(project, location, b.path("id").asText(null));
        int mqtt = IotCoreJson.mqttState(b);
        int http = IotCoreJson.httpState(b);
        Registry r =
                new Registry(
                        name,
                        mqtt == 0 ? Registry.MQTT_ENABLED : mqtt,
                        http == 0 ? Registry.HTTP_ENABLED : http,
                        IotCoreJson.logLevel(b),
                        IotCoreJson.notifications(b));
        return IotCoreJson.forAlt(alt).registry(service.createRegistry(caller(), r));
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER, Roles.VIEWER})
    public ObjectNode listRegistries(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @QueryParam("pageSize") int pageSize,
            @QueryParam("pageToken") String pageToken,
            @QueryParam("$alt") String alt) {
        new RegistryName(project, location, "probe");
        IotCoreService.Page<Registry> page =
                service.registries(project, location, pageSize, token(pageToken));
        IotCoreJson json = IotCoreJson.forAlt(alt);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode items = o.putArray("deviceRegistries");
        page.items().forEach(r -> items.add(json.registry(r)));
        if (!page.nextPageToken().isEmpty()) o.put("nextPageToken", page.nextPageToken());
        return o;
    }

    @GET
    @Path("{registry}")
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER, Roles.VIEWER})
    public ObjectNode getRegistry(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @QueryParam("$alt") String alt) {
        return IotCoreJson.forAlt(alt)
                .registry(service.registry(new RegistryName(project, location, registry)));
    }

    @PATCH
    @Path("{registry}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode patchRegistry(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @QueryParam("updateMask") String updateMask,
            @QueryParam("$alt") String alt,
            JsonNode body) {
        ObjectNode b = IotCoreJson.object(body, "DeviceRegistry");
        Set<String> mask =
                mask(
                        updateMask,
                        Set.of(
                                "eventNotificationConfigs",
                                "stateNotificationConfig",
                                "stateNotificationConfig.pubsubTopicName",
                                "mqttConfig",
                                "mqttConfig.mqttEnabledState",
                                "httpConfig",
                                "httpConfig.httpEnabledState",
                                "logLevel"));
        RegistryName name = new RegistryName(project, location, registry);
        Registry updated =
                service.updateRegistry(
                        caller(),
                        name,
                        r -> {
                            int mqtt =
                                    mask.contains("mqttConfig")
                                                    || mask.contains("mqttConfig.mqttEnabledState")
                                            ? IotCoreJson.mqttState(b)
                                            : r.mqttState();
                            int http =
                                    mask.contains("httpConfig")
                                                    || mask.contains("httpConfig.httpEnabledState")
                                            ? IotCoreJson.httpState(b)
                                            : r.httpState();
                            int log =
                                    mask.contains("logLevel")
                                            ? IotCoreJson.logLevel(b)
                                            : r.logLevel();
                            String notifications =
                                    mask.stream().anyMatch(m -> m.contains("Notification"))
                                            ? IotCoreJson.notifications(b)
                                            : r.notificationsJson();
                            return new Registry(
                                    name,
                                    mqtt == 0 ? Registry.MQTT_ENABLED : mqtt,
                                    http == 0 ? Registry.HTTP_ENABLED : http,
                                    log,
                                    notifications);
                        },
                        String.join(",", mask));
        return IotCoreJson.forAlt(alt).registry(updated);
    }

    @DELETE
    @Path("{registry}")
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode deleteRegistry(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry) {
        service.deleteRegistry(caller(), new RegistryName(project, location, registry));
        return JsonNodeFactory.instance.objectNode();
    }

    // ---- devices

    @POST
    @Path("{registry}/devices")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode createDevice(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @QueryParam("$alt") String alt,
            JsonNode body) {
        ObjectNode b = IotCoreJson.object(body, "Device");
        DeviceName name =
                new RegistryName(project, location, registry).device(b.path("id").asText(null));
        if (b.hasNonNull("numId") || b.hasNonNull("config") || b.hasNonNull("state")) {
            throw IotCoreException.invalid(
                    "numId, config and state are set by the service, not on create");
        }
        IotDevice d =
                service.createDevice(
                        caller(),
                        name,
                        IotCoreJson.credentials(b),
                        b.path("blocked").asBoolean(false),
                        IotCoreJson.metadata(b),
                        IotCoreJson.logLevel(b),
                        IotCoreJson.gatewayType(b),
                        IotCoreJson.gatewayAuth(b));
        return IotCoreJson.forAlt(alt).device(d, service.currentConfig(name), null);
    }

    @GET
    @Path("{registry}/devices")
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER, Roles.VIEWER})
    public ObjectNode listDevices(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @QueryParam("pageSize") int pageSize,
            @QueryParam("pageToken") String pageToken,
            @QueryParam("fieldMask") String fieldMask,
            @QueryParam("deviceIds") List<String> deviceIds,
            @QueryParam("$alt") String alt) {
        RegistryName reg = new RegistryName(project, location, registry);
        IotCoreService.Page<IotDevice> page = service.devices(reg, pageSize, token(pageToken));
        Set<String> fields = new LinkedHashSet<>(List.of("id", "name", "numId"));
        if (fieldMask != null && !fieldMask.isBlank()) fields.addAll(mask(fieldMask, null));
        IotCoreJson json = IotCoreJson.forAlt(alt);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode items = o.putArray("devices");
        for (IotDevice d : page.items()) {
            if (!deviceIds.isEmpty() && !deviceIds.contains(d.name().device())) continue;
            ObjectNode full = json.device(d, null, null);
            full.retain(fields);
            items.add(full);
        }
        if (!page.nextPageToken().isEmpty()) o.put("nextPageToken", page.nextPageToken());
        return o;
    }

    @GET
    @Path("{registry}/devices/" + DEVICE)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER, Roles.VIEWER})
    public ObjectNode getDevice(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device,
            @QueryParam("$alt") String alt) {
        DeviceName name = new RegistryName(project, location, registry).device(device);
        IotDevice d = service.device(name);
        List<DeviceState> states = service.states(name, 1);
        return IotCoreJson.forAlt(alt)
                .device(d, service.currentConfig(name), states.isEmpty() ? null : states.get(0));
    }

    @PATCH
    @Path("{registry}/devices/" + DEVICE)
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode patchDevice(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device,
            @QueryParam("updateMask") String updateMask,
            @QueryParam("$alt") String alt,
            JsonNode body) {
        ObjectNode b = IotCoreJson.object(body, "Device");
        Set<String> mask =
                mask(
                        updateMask,
                        Set.of(
                                "credentials",
                                "blocked",
                                "metadata",
                                "logLevel",
                                "gatewayConfig.gatewayAuthMethod"));
        DeviceName name = new RegistryName(project, location, registry).device(device);
        IotDevice updated =
                service.updateDevice(
                        caller(),
                        name,
                        d ->
                                new IotDevice(
                                        d.name(),
                                        d.numId(),
                                        mask.contains("credentials")
                                                ? IotCoreJson.credentials(b)
                                                : d.credentials(),
                                        mask.contains("blocked")
                                                ? b.path("blocked").asBoolean(false)
                                                : d.blocked(),
                                        mask.contains("metadata")
                                                ? IotCoreJson.metadata(b)
                                                : d.metadata(),
                                        mask.contains("logLevel")
                                                ? IotCoreJson.logLevel(b)
                                                : d.logLevel(),
                                        d.gatewayType(),
                                        mask.contains("gatewayConfig.gatewayAuthMethod")
                                                ? IotCoreJson.gatewayAuth(b)
                                                : d.gatewayAuthMethod(),
                                        d.configVersion(),
                                        d.lastHeartbeatTime(),
                                        d.lastEventTime(),
                                        d.lastStateTime(),
                                        d.lastConfigAckTime(),
                                        d.lastConfigSendTime()),
                        String.join(",", mask));
        return IotCoreJson.forAlt(alt).device(updated, null, null);
    }

    @DELETE
    @Path("{registry}/devices/" + DEVICE)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode deleteDevice(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device) {
        service.deleteDevice(
                caller(), new RegistryName(project, location, registry).device(device));
        return JsonNodeFactory.instance.objectNode();
    }

    // ---- configs, states, commands

    @POST
    @Path("{registry}/devices/" + DEVICE + ":modifyCloudToDeviceConfig")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode modifyConfig(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device,
            @QueryParam("$alt") String alt,
            JsonNode body) {
        ObjectNode b = IotCoreJson.object(body, "ModifyCloudToDeviceConfigRequest");
        DeviceName name = new RegistryName(project, location, registry).device(device);
        DeviceConfig cfg =
                service.modifyConfig(
                        caller(),
                        name,
                        IotCoreJson.int64(b, "versionToUpdate"),
                        IotCoreJson.bytes(b, "binaryData"));
        return IotCoreJson.forAlt(alt).config(cfg);
    }

    @GET
    @Path("{registry}/devices/" + DEVICE + "/configVersions")
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER, Roles.VIEWER})
    public ObjectNode configVersions(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device,
            @QueryParam("numVersions") int numVersions,
            @QueryParam("$alt") String alt) {
        DeviceName name = new RegistryName(project, location, registry).device(device);
        IotCoreJson json = IotCoreJson.forAlt(alt);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode items = o.putArray("deviceConfigs");
        service.configVersions(name, numVersions).forEach(c -> items.add(json.config(c)));
        return o;
    }

    @GET
    @Path("{registry}/devices/" + DEVICE + "/states")
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER, Roles.VIEWER})
    public ObjectNode states(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device,
            @QueryParam("numStates") int numStates,
            @QueryParam("$alt") String alt) {
        DeviceName name = new RegistryName(project, location, registry).device(device);
        IotCoreJson json = IotCoreJson.forAlt(alt);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode items = o.putArray("deviceStates");
        service.states(name, numStates).forEach(s -> items.add(json.state(s)));
        return o;
    }

    @POST
    @Path("{registry}/devices/" + DEVICE + ":sendCommandToDevice")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public ObjectNode sendCommand(
            @PathParam("project") String project,
            @PathParam("location") String location,
            @PathParam("registry") String registry,
            @PathParam("device") String device,
            JsonNode body) {
        ObjectNode b = IotCoreJson.object(body, "SendCommandToDeviceRequest");
        DeviceName name = new RegistryName(project, location, registry).device(device);
        service.sendCommand(
                caller(), name, b.path("subfolder").asText(""), IotCoreJson.bytes(b, "binaryData"));
        return JsonNodeFactory.instance.objectNode();
    }

    @ServerExceptionMapper
    public Response refused(IotCoreException e) {
        return GoogleRpcErrors.of(e);
    }

    private Caller caller() {
        return Caller.of(identity);
    }

    private static String token(String pageToken) {
        return pageToken == null ? "" : pageToken;
    }

    /**
     * A FieldMask in proto3 JSON (comma-separated, camelCase; snake_case accepted), checked against
     * {@code allowed}.
     */
    static Set<String> mask(String text, Set<String> allowed) {
        if (text == null || text.isBlank())
            throw IotCoreException.invalid("updateMask is required");
        Set<String> out =
                Arrays.stream(text.split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .map(DeviceManagerResource::camel)
                        .collect(Collectors.toCollection(LinkedHashSet::new));
        if (allowed != null) {
            for (String path : out) {
                if (!allowed.contains(path)) {
                    throw new IotCoreException(
                            RpcCode.INVALID_ARGUMENT,
                            "field '"
                                    + path
                                    + "' cannot be updated; updatable: "
                                    + String.join(", ", allowed.stream().sorted().toList()));
                }
            }
        }
        return out;
    }

    private static String camel(String path) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : path.toCharArray()) {
            if (ch == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return b.toString();
    }
}
