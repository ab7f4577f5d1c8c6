/**
 * SecureFirmwareUpdate's signature (L01.FR.04/.12): a signature over the whole firmware file with SHA-256, RSA-PSS
 * for RSA keys and ECDSA for EC keys (the spec's ECSchnorr has no implementation in Node; ECDSA is what chargers
 * ship), verified with the Firmware Signing certificate's public key. The product checks it when an admin attaches
 * it, the simulator when it has downloaded the file.
 */
import { constants, createVerify, X509Certificate } from 'node:crypto';
import type { Readable } from 'node:stream';

/** The certificate's problem in words, or null when it parses as an X.509 PEM certificate. */
export function certificateProblem(pem: string): string | null {
  try {
    new X509Certificate(pem);
    return null;
  } catch (err) {
    return `not an X.509 certificate in PEM: ${(err as Error).message}`;
  }
}

/** Does `signatureBase64` verify over the bytes of `content` with the certificate's key? */
export async function verifyFirmwareSignature(content: Readable | Buffer, certificatePem: string, signatureBase64: string): Promise<boolean> {
  const key = new X509Certificate(certificatePem).publicKey;
  const verify = createVerify('sha256');
  if (Buffer.isBuffer(content)) verify.update(content);
  else for await (const chunk of content) verify.update(chunk as Buffer);
  const signature = Buffer.from(signatureBase64, 'base64');
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    return verify.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
  }
  return verify.verify(key, signature);
}
