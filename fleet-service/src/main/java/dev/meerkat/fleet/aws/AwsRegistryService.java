package dev.meerkat.fleet.aws;

import dev.meerkat.cloud.aws.control.Things;
import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.device.DeviceIds;
import dev.meerkat.fleet.device.DeviceRepository;
import dev.meerkat.fleet.group.Group;
import dev.meerkat.fleet.group.GroupRepository;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The IoT registry operations `meerkat cloud aws register` uses, over the fleet's own registry: a
 * thing is a device (reached over the Jobs API), a thing group a static group, a certificate
 * attached to a thing the device's certificate. Policies are recorded, not evaluated: on this
 * endpoint the broker's ACL is what confines a thing to its own topics.
 */
@ApplicationScoped
public class AwsRegistryService {

    /** The protocol column of things created here. */
    public static final String PROTOCOL = "aws-jobs";

    @Inject Database db;

    @Inject DeviceRepository devices;

    @Inject GroupRepository groups;

    @Inject AwsRegistryRepository registry;

    @Inject AuditLog audit;

    @Inject AwsArns arns;

    public Things.CreateThingResponse createThing(
            Caller caller, String thingName, Things.CreateThingRequest request) {
        name("thingName", thingName);
        Map<String, String> attributes =
                request == null
                                || request.attributePayload() == null
                                || request.attributePayload().attributes() == null
                        ? Map.of()
                        : request.attributePayload().attributes();
        AwsJobService.refusalsAsIot(
                () -> {
                    DeviceIds.attributes(attributes);
                    return null;
                });
        String arn = arns.of(AwsArns.Kind.THING, thingName);
        db.tx(
                c -> {
                    if (devices.find(c, thingName).isPresent()) {
                        throw IotException.exists(
                                "thing " + thingName + " already exists", idOf(thingName), arn);
                    }
                    devices.insert(
                            c,
                            new Device(
                                    thingName,
                                    null,
                                    null,
                                    false,
                                    attributes,
                                    null,
                                    null,
                                    null,
                                    PROTOCOL,
                                    Instant.now()),
                            null);
                    audit.record(c, caller, "aws.thing.create", thingName, arn);
                    return null;
                });
        return new Things.CreateThingResponse(thingName, arn, idOf(thingName));
    }

    public Things.CreateThingGroupResponse createThingGroup(Caller caller, String groupName) {
        name("thingGroupName", groupName);
        String arn = arns.of(AwsArns.Kind.THING_GROUP, groupName);
        db.tx(
                c -> {
                    if (groups.find(c, groupName).isPresent()) {
                        throw IotException.exists(
                                "thing group " + groupName + " already exists",
                                idOf(groupName),
                                arn);
                    }
                    groups.insert(
                            c,
                            new Group(
                                    groupName, Group.Kind.STATIC, Optional.empty(), Instant.now()));
                    audit.record(c, caller, "aws.thing-group.create", groupName, arn);
                    return null;
                });
        return new Things.CreateThingGroupResponse(groupName, arn, idOf(groupName));
    }

    /** DescribeThingGroup, as much of it as a caller needs to target the group. */
    public Map<String, Object> describeThingGroup(String groupName) {
        Group g =
                db.tx(c -> groups.find(c, groupName))
                        .orElseThrow(
                                () ->
                                        IotException.notFound(
                                                "thing group " + groupName + " does not exist"));
        return Map.of(
                "thingGroupName", g.name(),
                "thingGroupId", idOf(g.name()),
                "thingGroupArn", arns.of(AwsArns.Kind.THING_GROUP, g.name()),
                "version", 1,
                "thingGroupProperties", Map.of(),
                "thingGroupMetadata", Map.of("creationDate", g.createdAt().getEpochSecond()));
    }

    public void addThingToThingGroup(Caller caller, Things.AddThingToThingGroupRequest r) {
        String group = nameOrArn(r.thingGroupName(), r.thingGroupArn(), AwsArns.Kind.THING_GROUP);
        String thing = nameOrArn(r.thingName(), r.thingArn(), AwsArns.Kind.THING);
        db.tx(
                c -> {
                    Group g =
                            groups.find(c, group)
                                    .orElseThrow(
                                            () ->
                                                    IotException.notFound(
                                                            "thing group "
                                                                    + group
                                                                    + " does not exist"));
                    if (g.kind() != Group.Kind.STATIC) {
                        throw IotException.invalid(
                                "group " + group + " is dynamic; its members follow its filter");
                    }
                    if (devices.find(c, thing).isEmpty()) {
                        throw IotException.notFound("thing " + thing + " does not exist");
                    }
                    if (groups.addMembers(c, group, List.of(thing)) > 0) {
                        audit.record(c, caller, "aws.thing-group.add", group, thing);
                    }
                    return null;
                });
    }

    public Things.RegisterCertificateResponse registerCertificate(
            Caller caller, Things.RegisterCertificateWithoutCaRequest r) {
        if (r == null || r.certificatePem() == null || r.certificatePem().length() > 65536) {
            throw IotException.invalid("certificatePem is required (at most 65536 characters)");
        }
        String status = r.status() == null ? "INACTIVE" : r.status();
        if (!status.equals("ACTIVE") && !status.equals("INACTIVE")) {
            throw IotException.invalid("status must be ACTIVE or INACTIVE");
        }
        X509Certificate cert;
        try {
            cert =
                    (X509Certificate)
                            CertificateFactory.getInstance("X.509")
                                    .generateCertificate(
                                            new ByteArrayInputStream(
                                                    r.certificatePem()
                                                            .getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | ClassCastException e) {
            throw IotException.invalid("certificatePem is not a PEM X.509 certificate");
        }
        String id;
        try {
            id =
                    HexFormat.of()
                            .formatHex(
                                    MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        String arn = arns.of(AwsArns.Kind.CERT, id);
        String pem = r.certificatePem().strip();
        db.tx(
                c -> {
                    if (!registry.insertCertificate(
                            c,
                            new AwsRegistryRepository.Certificate(
                                    id, pem, status, Instant.now()))) {
                        throw IotException.exists("certificate " + id + " is registered", id, arn);
                    }
                    audit.record(c, caller, "aws.certificate.register", id, "status=" + status);
                    return null;
                });
        return new Things.RegisterCertificateResponse(arn, id);
    }

    public void attachPolicy(Caller caller, String policyName, String target) {
        if (policyName == null || !policyName.matches("[\\w+=,.@-]{1,128}")) {
            throw IotException.invalid("policyName must be 1-128 of [\\w+=,.@-]");
        }
        String certId = certificateOf(target);
        db.tx(
                c -> {
                    if (registry.certificate(c, certId).isEmpty()) {
                        throw IotException.notFound("certificate " + certId + " is not registered");
                    }
                    registry.attachPolicy(c, policyName, target);
                    audit.record(c, caller, "aws.policy.attach", policyName, target);
                    return null;
                });
    }

    /** AttachThingPrincipal: the certificate becomes the thing's device certificate. */
    public void attachThingPrincipal(Caller caller, String thingName, String principal) {
        String certId = certificateOf(principal);
        db.tx(
                c -> {
                    Device d =
                            devices.find(c, thingName)
                                    .orElseThrow(
                                            () ->
                                                    IotException.notFound(
                                                            "thing "
                                                                    + thingName
                                                                    + " does not exist"));
                    if (registry.certificate(c, certId).isEmpty()) {
                        throw IotException.notFound("certificate " + certId + " is not registered");
                    }
                    if (certId.equals(d.certFingerprint())) return null;
                    Optional<Device> other = devices.byFingerprint(c, certId);
                    if (other.isPresent()) {
                        throw IotException.invalid(
                                "certificate "
                                        + certId
                                        + " is attached to thing "
                                        + other.get().id()
                                        + "; here a certificate belongs to one thing");
                    }
                    if (d.certFingerprint() != null) {
                        throw IotException.invalid(
                                "thing " + thingName + " already has another certificate");
                    }
                    registry.setThingCertificate(c, thingName, certId);
                    audit.record(c, caller, "aws.thing.principal", thingName, certId);
                    return null;
                });
    }

    private String certificateOf(String arn) {
        return arns.parse(arn)
                .filter(r -> r.kind() == AwsArns.Kind.CERT && r.name().matches("[0-9a-f]{64}"))
                .map(AwsArns.Ref::name)
                .orElseThrow(
                        () ->
                                IotException.invalid(
                                        "principal "
                                                + arn
                                                + " is not a certificate ARN of this endpoint"));
    }

    private String nameOrArn(String name, String arn, AwsArns.Kind kind) {
        if (name != null) return name;
        return arns.parse(arn)
                .filter(r -> r.kind() == kind)
                .map(AwsArns.Ref::name)
                .orElseThrow(
                        () -> IotException.invalid("give the " + kind.word + " by name or by ARN"));
    }

    /** Names that are valid both as AWS names and as fleet registry names. */
    private static void name(String what, String value) {
        if (value == null || !value.matches("[a-zA-Z0-9:_-]{1,64}")) {
            throw IotException.invalid(what + " must be 1-64 characters of [a-zA-Z0-9:_-]");
        }
    }

    /** A stable id per name (AWS ids are UUIDs; clients only echo them). */
    private static String idOf(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
