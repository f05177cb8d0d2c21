// The peer: the Lambda a user would write instead of this function, with wechatpay-axios-plugin
// 0.9.6 (its APIv2 XML client, `Decorator.xmlBased`) and the AWS SDK, unbundled, from node_modules.
// The first invocation fetches the secret and builds the client; one keep-alive https Agent holds
// the merchant certificate. The plugin adds nonce_str, signs (HMAC-SHA256), writes the XML, parses
// the reply and verifies its sign; a refusal or a bad sign throws. No validation and no log line.
import { Agent } from 'node:https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import wechatpay from 'wechatpay-axios-plugin';

const secrets = new SecretsManagerClient({});
let client;

const createClient = async () => {
  const reply = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.WECHATPAY_SECRET_ID }));
  const secret = JSON.parse(reply.SecretString);
  const httpsAgent = new Agent({ keepAlive: true, cert: secret.cert_pem, key: secret.key_pem });
  const v2 = wechatpay.Decorator.xmlBased({ mchid: secret.mch_id, secret: secret.api_key, baseURL: `${process.env.WECHATPAY_BASE_URL}/`, httpsAgent });
  return { mchId: secret.mch_id, v2 };
};

/** @param {{ out_order_no: string, reason: string }} event */
export const handler = async (event) => {
  client ??= createClient();
  const { mchId, v2 } = await client;
  const { data } = await v2.post('wxv/cancelbill', {
    version: '1.0',
    appid: process.env.WECHATPAY_APPID,
    mch_id: mchId,
    service_id: process.env.WECHATPAY_SERVICE_ID,
    out_order_no: event.out_order_no,
    reason: event.reason,
    sign_type: 'HMAC-SHA256',
  });
  return { out_order_no: data.out_order_no, order_id: data.order_id, state: 'REVOKED' };
};
