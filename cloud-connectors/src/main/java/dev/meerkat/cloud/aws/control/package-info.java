/**
 * Request and response bodies of the AWS IoT control-plane operations Meerkat serves and sends
 * (rest-json, as the AWS SDK for Java v2 {@code IotClient} 2.40.2 writes and reads them), the route
 * of each operation, and AWS's error shape. Jackson only.
 */
package dev.meerkat.cloud.aws.control;
