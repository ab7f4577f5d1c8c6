/**
 * Station administration.
 *   npm run stations -- add <id> [--profile 1|2] [--password P]   (a random password is generated and shown once)
 *   npm run stations -- list
 *   npm run stations -- rotate <id> [--password P]
 *   npm run stations -- status <id> Accepted|Pending|Rejected|default
 *   npm run stations -- add <id> --profile 3; certificate <id> --csr FILE | --generate; renew <id>  (station-certificates.ts)
 *   npm run stations -- accept-expired <id> [--off]   (A00.FR.429, station-certificates.ts)
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { systemClock, isoUtc } from '../platform/clock.js';
import { openConfiguredStorage } from './database.js';
import { StationRepository } from '../storage/station-repository.js';
import { checkPasswordRules, generatePassword, hashPassword } from '../ocpp/auth/password.js';
import type { RegistrationStatus, SecurityProfile } from '../domain/stations.js';
import { stationIdProblem } from '../domain/station-id.js';

const USAGE = `usage:
  npm run stations -- add <stationId> [--profile 1|2] [--password <16-40 chars>]
  npm run stations -- list
  npm run stations -- rotate <stationId> [--password <16-40 chars>]
  npm run stations -- status <stationId> Accepted|Pending|Rejected|default
  npm run stations -- add <stationId> --profile 3                  (TLS client certificate, no password)
  npm run stations -- certificate <stationId> --csr <file.pem> [--out <prefix>]
  npm run stations -- certificate <stationId> --generate [--out <prefix>]
  npm run stations -- renew <stationId>
  npm run stations -- accept-expired <stationId> [--off]          (admit one expired certificate to renew it, A00.FR.429)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function checkStationId(id: string | undefined): string {
  if (!id) fail(USAGE);
  // The rule the OCPP server applies to the id in the connection URL (src/domain/station-id.ts).
  const problem = stationIdProblem(id);
  if (problem) fail(`station id "${id}": ${problem}`);
  return id;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { profile: { type: 'string' }, password: { type: 'string' }, csr: { type: 'string' }, generate: { type: 'boolean' }, out: { type: 'string' }, off: { type: 'boolean' } },
  });
  const [command, ...rest] = positionals;
  const config = loadConfig();
  const storage = await openConfiguredStorage(config);
  const stations = new StationRepository(storage.db);
  const now = isoUtc(systemClock.now());
  try {
    switch (command) {
      case 'add': {
        const id = checkStationId(rest[0]);
        const profile = Number(values.profile ?? '1');
        if (profile !== 1 && profile !== 2 && profile !== 3) fail('--profile: 1 (Basic auth over ws), 2 (Basic auth over TLS) or 3 (TLS client certificate)');
        if (await stations.get(id)) fail(`station ${id} already exists: use rotate to change its password`);
        if (profile === 3) {
          // A00.FR.401: a profile 3 station authenticates by its certificate only; it has no password.
          if (values.password !== undefined) fail('--password: a profile 3 station has no password (it authenticates by its certificate)');
          await stations.register({ id, passwordHash: null, securityProfile: 3 }, now);
          process.stdout.write(`station ${id} added with security profile 3
` +
            `connect to wss://<host>:${config.ocpp.tlsPort ?? '<tlsPort>'}${config.ocpp.path}/${encodeURIComponent(id)} with a client certificate ` +
            `for CN=${id}${config.ocpp.tls?.organizationName ? `, O=${config.ocpp.tls.organizationName}` : ''} from ocpp.tls.caFile
` +
            `issue one: npm run stations -- certificate ${id} --csr <file.pem> (or --generate)
`);
          break;
        }
        const password = values.password ?? generatePassword();
        const bad = checkPasswordRules(password);
        if (bad) fail(`--password: ${bad}`);
        await stations.register({ id, passwordHash: await hashPassword(password), securityProfile: profile as SecurityProfile }, now);
        process.stdout.write(`station ${id} added with security profile ${profile}\npassword (shown once): ${password}\n` +
          `connect to ${profile === 2 ? 'wss' : 'ws'}://<host>:${profile === 2 ? config.ocpp.tlsPort ?? '<tlsPort>' : config.ocpp.port}${config.ocpp.path}/${encodeURIComponent(id)}\n`);
        break;
      }
      case 'list': {
        const rows = await stations.list();
        if (rows.length === 0) process.stdout.write('no stations\n');
        for (const s of rows) {
          process.stdout.write(
            `${s.id}\tprofile ${s.securityProfile}\t${s.vendorName ?? '-'} ${s.model ?? ''}\tboot ${s.lastBootStatus ?? 'never'}` +
            `\tlast seen ${s.lastSeenAt ?? 'never'}${s.autoRegistered ? '\t(auto-registered)' : ''}` +
            `${s.clientCertificate ? `\tcertificate ${s.clientCertificate.serial} until ${s.clientCertificate.notAfter}` : ''}\n`,
          );
        }
        break;
      }
      case 'rotate': {
        const id = checkStationId(rest[0]);
        const station = (await stations.get(id)) ?? fail(`station ${id} does not exist`);
        if (station.securityProfile === 3) fail(`station ${id} uses security profile 3 and has no password: renew its certificate instead (renew ${id})`);
        const password = values.password ?? generatePassword();
        const bad = checkPasswordRules(password);
        if (bad) fail(`--password: ${bad}`);
        const profile = (station.securityProfile === 0 ? 1 : station.securityProfile) as SecurityProfile;
        await stations.setPassword(id, await hashPassword(password), profile, now);
        process.stdout.write(`password of ${id} rotated\nnew password (shown once): ${password}\n` +
          'set it on the station yourself before it reconnects; to have the server send it to a connected station first\n' +
          `(SetVariables SecurityCtrlr.BasicAuthPassword, A01, the hash changed only when it accepts), use /admin/stations\n`);
        break;
      }
      case 'status': {
        const id = checkStationId(rest[0]);
        if (!(await stations.get(id))) fail(`station ${id} does not exist`);
        const status = rest[1];
        if (!['Accepted', 'Pending', 'Rejected', 'default'].includes(status ?? '')) fail(USAGE);
        await stations.setRegistrationStatus(id, status === 'default' ? null : (status as RegistrationStatus), now);
        process.stdout.write(`boot status of ${id}: ${status}\n`);
        break;
      }
      case 'certificate':
      case 'renew':
      case 'accept-expired': {
        const id = checkStationId(rest[0]);
        // Loaded only here: the X.509 library roughly doubles the CLI's start-up for every other command.
        const { CliError, issueFromCli, requestRenewal, allowExpiredFromCli } = await import('./station-certificates.js');
        const { StationCertificateRepository } = await import('../storage/station-certificate-repository.js');
        const c = { config, stations, issued: new StationCertificateRepository(storage.db), nowMs: systemClock.now() };
        try {
          process.stdout.write(command === 'renew' ? await requestRenewal(c, id)
            : command === 'accept-expired' ? await allowExpiredFromCli(c, id, values.off === true)
              : await issueFromCli(c, id, values));
        } catch (err) {
          if (err instanceof CliError) fail(err.message);
          throw err;
        }
        break;
      }
      default:
        fail(USAGE);
    }
  } finally {
    await storage.close();
  }
}

await main();
