package dev.meerkat.cloud.aws.control;

import java.util.List;
import java.util.Map;

/** Bodies of the registry operations: things, thing groups, certificates, principals. */
public final class Things {

    private Things() {}

    public record AttributePayload(Map<String, String> attributes, Boolean merge) {
        public AttributePayload {
            attributes = attributes == null ? null : Map.copyOf(attributes);
        }
    }

    /** CreateThing ({@code POST /things/{thingName}}). */
    public record CreateThingRequest(
            String thingTypeName, AttributePayload attributePayload, String billingGroupName) {}

    public record CreateThingResponse(String thingName, String thingArn, String thingId) {}

    public record ThingGroupProperties(
            String thingGroupDescription, AttributePayload attributePayload) {}

    /** CreateThingGroup ({@code POST /thing-groups/{thingGroupName}}). */
    public record CreateThingGroupRequest(
            String parentGroupName,
            ThingGroupProperties thingGroupProperties,
            List<JobConfigs.Tag> tags) {
        public CreateThingGroupRequest {
            tags = tags == null ? null : List.copyOf(tags);
        }
    }

    public record CreateThingGroupResponse(
            String thingGroupName, String thingGroupArn, String thingGroupId) {}

    /**
     * AddThingToThingGroup ({@code PUT /thing-groups/addThingToThingGroup}); the response body is
     * {@code {}}.
     */
    public record AddThingToThingGroupRequest(
            String thingGroupName,
            String thingGroupArn,
            String thingName,
            String thingArn,
            Boolean overrideDynamicGroups) {}

    /**
     * RegisterCertificateWithoutCA ({@code POST /certificate/register-no-ca}); status ACTIVE or
     * INACTIVE.
     */
    public record RegisterCertificateWithoutCaRequest(String certificatePem, String status) {}

    public record RegisterCertificateResponse(String certificateArn, String certificateId) {}

    /**
     * AttachThingPrincipal ({@code PUT /things/{thingName}/principals}) has no body: the
     * certificate ARN travels in this header. The response body is {@code {}}.
     */
    public static final String PRINCIPAL_HEADER = "x-amzn-principal";
}
