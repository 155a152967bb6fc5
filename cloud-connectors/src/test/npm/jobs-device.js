// A device that runs one AWS IoT job with the unmodified aws-iot-device-sdk-v2 Jobs client over mTLS.
// Prints one JSON line per event on stdout; exits 0 once its job is SUCCEEDED and no job is left.
// Usage: node jobs-device.js <host> <port> <thing> <ca.pem> <cert.pem> <key.pem> <otherThing>
const { mqtt, io, iot, iotjobs } = require('aws-iot-device-sdk-v2');

const [host, port, thing, caFile, certFile, keyFile, otherThing] = process.argv.slice(2);
const QOS = mqtt.QoS.AtLeastOnce;
const say = (event, data) => console.log(JSON.stringify({ event, ...data }));
const fail = (why) => { say('error', { why: String(why) }); process.exit(1); };
setTimeout(() => fail('timeout'), 60000).unref();

async function main() {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(certFile, keyFile)
    .with_certificate_authority_from_path(undefined, caFile)
    .with_endpoint(host)
    .with_port(Number(port))
    .with_client_id(thing)
    .with_clean_session(true)
    .with_socket_options(new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 5000))
    .build();
  const connection = new mqtt.MqttClient().new_connection(config);
  await connection.connect();
  const jobs = new iotjobs.IotJobsClient(connection);
  let running = null;
  let finished = false;
  let noneLeft = false;
  // the SDK may deliver notify-next and update/accepted in either order
  const maybeExit = async () => {
    if (finished && noneLeft) {
      await connection.disconnect();
      process.exit(0);
    }
  };

  const update = (jobId, status, expectedVersion, statusDetails) =>
    jobs.publishUpdateJobExecution({ thingName: thing, jobId, status, expectedVersion, statusDetails }, QOS);

  await jobs.subscribeToNextJobExecutionChangedEvents({ thingName: thing }, QOS, async (err, event) => {
    if (err) return fail(err);
    say('notify-next', { jobId: event.execution ? event.execution.jobId : null });
    if (event.execution && !running) {
      await jobs.publishStartNextPendingJobExecution({ thingName: thing, stepTimeoutInMinutes: 5 }, QOS);
    } else if (!event.execution && running) {
      noneLeft = true;
      await maybeExit();
    }
  });
  await jobs.subscribeToStartNextPendingJobExecutionAccepted({ thingName: thing }, QOS, async (err, resp) => {
    if (err) return fail(err);
    const ex = resp.execution;
    if (!ex) return say('start-next', { jobId: null });
    running = ex;
    const ota = ex.jobDocument && ex.jobDocument.afr_ota;
    say('start-next', { jobId: ex.jobId, status: ex.status, versionNumber: ex.versionNumber,
      filesize: ota && ota.files[0].filesize, url: ota && ota.files[0].update_data_url });
    await jobs.subscribeToUpdateJobExecutionAccepted({ thingName: thing, jobId: ex.jobId }, QOS, async (e, r) => {
      if (e) return fail(e);
      say('update-accepted', { clientToken: r.clientToken, state: r.executionState });
      if (r.clientToken === 'progress') {
        // a stale expectedVersion must be refused with VersionMismatch
        await jobs.publishUpdateJobExecution({ thingName: thing, jobId: ex.jobId, status: 'SUCCEEDED',
          expectedVersion: ex.versionNumber, clientToken: 'stale' }, QOS);
      } else if (r.clientToken === 'done') {
        finished = true;
        await maybeExit();
      }
    });
    await jobs.subscribeToUpdateJobExecutionRejected({ thingName: thing, jobId: ex.jobId }, QOS, async (e, r) => {
      if (e) return fail(e);
      say('update-rejected', { clientToken: r.clientToken, code: r.code, state: r.executionState });
      if (r.clientToken === 'stale') {
        // someone else's job: the broker must drop this publish (ACL)
        await connection.publish(`$aws/things/${otherThing}/jobs/ota-other/update`,
          JSON.stringify({ status: 'SUCCEEDED' }), QOS);
        await jobs.publishUpdateJobExecution({ thingName: thing, jobId: ex.jobId, status: 'SUCCEEDED',
          expectedVersion: r.executionState.versionNumber, includeJobExecutionState: true,
          statusDetails: { updatedBy: '2.0.0' }, clientToken: 'done' }, QOS);
      }
    });
    await jobs.publishUpdateJobExecution({ thingName: thing, jobId: ex.jobId, status: 'IN_PROGRESS',
      expectedVersion: ex.versionNumber, includeJobExecutionState: true,
      statusDetails: { progress: '50' }, clientToken: 'progress' }, QOS);
  });
  await jobs.subscribeToStartNextPendingJobExecutionRejected({ thingName: thing }, QOS, (err, r) => {
    fail(err || ('start-next rejected: ' + JSON.stringify(r)));
  });
  say('ready', {});
}

main().catch(fail);
