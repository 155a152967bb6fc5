package dev.meerkat.cloud.aws.sdk;

import java.util.Map;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.ResourceAlreadyExistsException;

/**
 * Registers one provisioned device in AWS IoT: its thing, its certificate (without CA), the policy
 * on the certificate, the certificate on the thing, the thing in a group. Every step is idempotent
 * (an existing thing or certificate is reused, attaching twice is harmless), so a run that stopped
 * half-way can simply be repeated.
 */
public final class IotRegistrar {

    private final IotClient iot;

    public IotRegistrar(IotClient iot) {
        this.iot = iot;
    }

    /** What a device is registered as. */
    public record Registered(String thingName, String thingArn, String certificateArn) {}

    /** Creates the thing group unless it exists; returns its ARN. */
    public String ensureGroup(String group) {
        try {
            return iot.createThingGroup(b -> b.thingGroupName(group)).thingGroupArn();
        } catch (ResourceAlreadyExistsException e) {
            return e.resourceArn();
        }
    }

    public Registered register(
            String thingName,
            Map<String, String> attributes,
            String certificatePem,
            String policyName,
            String group) {
        String thingArn;
        try {
            thingArn =
                    iot.createThing(
                                    b ->
                                            b.thingName(thingName)
                                                    .attributePayload(
                                                            a -> a.attributes(attributes)))
                            .thingArn();
        } catch (ResourceAlreadyExistsException e) {
            thingArn = e.resourceArn();
        }
        String certArn;
        try {
            certArn =
                    iot.registerCertificateWithoutCA(
                                    b ->
                                            b.certificatePem(certificatePem)
                                                    .status(CertificateStatus.ACTIVE))
                            .certificateArn();
        } catch (ResourceAlreadyExistsException e) {
            certArn = e.resourceArn();
        }
        if (certArn == null || certArn.isEmpty()) {
            throw new IllegalStateException(
                    "AWS IoT did not say which certificate " + thingName + " has");
        }
        String cert = certArn;
        if (policyName != null) {
            iot.attachPolicy(b -> b.policyName(policyName).target(cert));
        }
        iot.attachThingPrincipal(b -> b.thingName(thingName).principal(cert));
        if (group != null) {
            iot.addThingToThingGroup(b -> b.thingGroupName(group).thingName(thingName));
        }
        return new Registered(thingName, thingArn, cert);
    }
}
