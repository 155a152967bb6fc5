// Drives the fleet service with Google's Node.js Cloud IoT Core client over REST (fallback), unmodified.
// Input: MEERKAT_PORT, MEERKAT_TOKEN (bearer), DEVICE_KEY_PEM. Output: one JSON line of what came back.
'use strict';
const iot = require('@google-cloud/iot');
const {OAuth2Client} = require('google-auth-library');

async function main() {
  const authClient = new OAuth2Client();
  authClient.setCredentials({access_token: process.env.MEERKAT_TOKEN, expiry_date: Date.now() + 3600 * 1000});
  const client = new iot.v1.DeviceManagerClient({
    apiEndpoint: '127.0.0.1',
    port: Number(process.env.MEERKAT_PORT),
    protocol: 'http',
    fallback: true,
    authClient,
  });
  const parent = client.locationPath('node-project', 'us-central1');
  const [registry] = await client.createDeviceRegistry({parent, deviceRegistry: {id: 'node-fleet'}});
  const registryName = client.registryPath('node-project', 'us-central1', 'node-fleet');
  const [device] = await client.createDevice({
    parent: registryName,
    device: {id: 'node-dev-1', credentials: [{publicKey: {format: 'ES256_PEM', key: process.env.DEVICE_KEY_PEM}}]},
  });
  const name = client.devicePath('node-project', 'us-central1', 'node-fleet', 'node-dev-1');
  const [config] = await client.modifyCloudToDeviceConfig({
    name, versionToUpdate: 1, binaryData: Buffer.from('{"firmware":"2.0.0"}'),
  });
  let staleRefused = null;
  try {
    await client.modifyCloudToDeviceConfig({name, versionToUpdate: 1, binaryData: Buffer.from('stale')});
  } catch (e) {
    staleRefused = e.message;
  }
  const [versions] = await client.listDeviceConfigVersions({name});
  const [states] = await client.listDeviceStates({name});
  const [devices] = await client.listDevices({parent: registryName});
  console.log(JSON.stringify({
    registry: registry.name,
    device: device.name,
    numId: String(device.numId),
    keyFormat: device.credentials[0].publicKey.format,
    configVersion: String(config.version),
    configData: Buffer.from(config.binaryData).toString(),
    staleRefused,
    versions: versions.deviceConfigs.map((c) => String(c.version)),
    states: states.deviceStates.length,
    devices: devices.map((d) => d.id),
  }));
  await client.close();
}

main().catch((e) => {
  console.error('interop failed: ' + (e && e.stack || e));
  process.exit(1);
});
