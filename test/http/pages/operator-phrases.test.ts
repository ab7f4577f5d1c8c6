/**
 * The phrases beside the station page's server sentences (issue 18, languages): a station operation's result
 * (`op.*`, written by src/ocpp/operations.ts), the connection note of a new or re-keyed charger (`connection.*`), the
 * get-started checklist's details (`start.*`) and the meanings of known device-model variables (`dm.<Component>.<Variable>`).
 * Each phrase said from the English operator catalog is the server's English word for word, and every other
 * language says it in its own words from the same values.
 */
import { describe, expect, it } from 'vitest';
import { adminCatalog, adminTranslator } from '../../../src/http/pages/admin-messages.js';
import { LANGUAGES } from '../../../src/http/pages/locale.js';
import { OcppStationOperations } from '../../../src/ocpp/operations.js';
import { KNOWN_VARIABLES, knownVariable } from '../../../src/http/api/device-model-labels.js';
import { ManualClock } from '../../../src/platform/clock.js';
import type { Phrase } from '../../../src/domain/phrases.js';

const en = adminTranslator({ language: 'en', tag: 'en-GB' });
const da = adminTranslator({ language: 'da', tag: 'da-DK' });
const pt = adminTranslator({ language: 'pt', tag: 'pt-PT' });
const say = (t: typeof en, p: Phrase) => t(`server.${p.id}`, p.params);

/** Operations against a station that answers every call with `status` (and a transaction id for a start). */
function station(status: string, limitKw: number | null = null) {
  const calls: { action: string; payload: unknown }[] = [];
  const ops = new OcppStationOperations({
    call: (async (_id: string, action: string, payload: unknown) => {
      calls.push({ action, payload });
      if (action === 'SetVariables') {
        const data = (payload as { setVariableData: { component: { name: string }; variable: { name: string } }[] }).setVariableData;
        return { setVariableResult: data.map((d) => ({ attributeStatus: status, component: d.component, variable: d.variable })) };
      }
      return { status };
    }) as never,
    deviceModel: { upsert: async () => {}, list: async () => [] } as never,
    capabilities: async () => ({ enabled: true, rateUnits: ['W'], periodsPerSchedule: null, profileStackLevel: null, entries: null, phases3to1: null, acPhaseSwitchingSupported: null }),
    startLimits: { startLimit: async () => (limitKw === null ? null : { limitKw, phases: 3, lineVoltageV: 230, profileId: 77 }) },
    clock: new ManualClock(Date.UTC(2026, 10, 23, 12)),
  });
  return { ops, calls };
}

describe('a station operation\u2019s result as a phrase', () => {
  it('says, in English, the detail word for word for every operation, target and status; Danish and Portuguese in their words', async () => {
    const answers = [
      await station('Accepted').ops.reset('CS1', 'Immediate'),
      await station('Accepted').ops.reset('CS1', 'OnIdle', 2),
      await station('Scheduled').ops.reset('CS1', 'OnIdle'),
      await station('Accepted').ops.changeAvailability('CS1', 'Inoperative', { evseId: 2 }),
      await station('Accepted').ops.changeAvailability('CS1', 'Operative', {}),
      await station('Scheduled').ops.changeAvailability('CS1', 'Inoperative', { evseId: 1, connectorId: 2 }),
      await station('Unlocked').ops.unlockConnector('CS1', 2, 1),
      await station('Accepted').ops.requestStart('CS1', { idToken: 'APP-3', idTokenType: 'Central' }),
      await station('Accepted', 4.2).ops.requestStart('CS1', { idToken: 'APP-3', idTokenType: 'Central', evseId: 1 }),
      await station('Accepted', 11.04).ops.requestStart('CS1', { idToken: 'APP-4', idTokenType: 'Central', evseId: 2 }),
      await station('Accepted').ops.requestStop('CS1', 'TX-9'),
      await station('Accepted').ops.trigger('CS1', 'StatusNotification', 1),
      await station('Accepted').ops.trigger('CS1', 'Heartbeat'),
      await station('Accepted').ops.clearCache('CS1'),
      await station('Accepted').ops.getBaseReport('CS1', 'FullInventory'),
    ];
    const ids = new Set<string>();
    for (const a of answers) {
      expect(a.detailPhrase, a.detail).toBeDefined();
      ids.add(a.detailPhrase!.id);
      expect(say(en, a.detailPhrase!)).toBe(a.detail);
      for (const t of [da, pt]) expect(say(t, a.detailPhrase!)).not.toBe(a.detail);
    }
    expect([...ids].sort()).toEqual(Object.keys(adminCatalog('en')).filter((k) => k.startsWith('server.op.') && k !== 'server.op.variable').map((k) => k.slice(7)).sort());
    // A few whole sentences: the target, the availability and the limit in the reader's words and numbers.
    expect(say(da, answers[5]!.detailPhrase!)).toBe('stik 2 på ladepunkt 1 bliver ude af drift, når den igangværende transaktion afsluttes');
    expect(say(pt, answers[3]!.detailPhrase!)).toBe('o ponto de carga 2 está agora fora de serviço');
    expect(say(da, answers[9]!.detailPhrase!)).toBe('laderen starter en transaktion for APP-4 på ladepunkt 2, højst 11,04 kW, indtil planen tager over');
    expect(say(pt, answers[7]!.detailPhrase!)).toBe('o carregador inicia uma transação para APP-3 num ponto de carga à sua escolha');
  });

  it('a variable set (SetVariables) says each status, an unknown one as the station said it', async () => {
    for (const status of ['Accepted', 'Rejected', 'UnknownComponent', 'UnknownVariable', 'NotSupportedAttributeType', 'RebootRequired', 'SomethingNew']) {
      const [r] = await station(status).ops.setVariables('CS1', [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '60' }]);
      expect(r!.detailPhrase).toEqual({ id: 'op.variable', params: { status } });
      expect(say(en, r!.detailPhrase!)).toBe(r!.detail);
    }
    expect(say(da, { id: 'op.variable', params: { status: 'RebootRequired' } })).toBe('indstillet; gælder efter laderens genstart');
    expect(say(pt, { id: 'op.variable', params: { status: 'SomethingNew' } })).toBe('o carregador respondeu SomethingNew');
  });
});

describe('the connection note as a phrase', () => {
  it('says each profile, with and without a port configured, as the server\u2019s English', () => {
    // The server's sentences (admin-stations-service.ts), checked against the catalog with the same values.
    const cases: [Phrase, string][] = [
      [{ id: 'connection.certificate', params: {} }, 'Security profile 3: the charger authenticates with a TLS client certificate for CN=<station id> (npm run stations -- certificate); no password.'],
      [{ id: 'connection.password', params: { profile: 1, missing: 'none' } }, 'Security profile 1: in the charger set the OCPP URL, the username (the station id) and the password (BasicAuthPassword).'],
      [{ id: 'connection.password', params: { profile: 2, missing: 'ocpp.tlsPort' } }, 'Security profile 2: in the charger set the OCPP URL (TLS, trusting this server’s certificate), the username (the station id) and the password (BasicAuthPassword). This server has no ocpp.tlsPort configured yet.'],
    ];
    for (const [p, english] of cases) expect(say(en, p)).toBe(english);
    expect(say(da, cases[2]![0])).toBe('Sikkerhedsprofil 2: indstil i laderen OCPP-URL’en (TLS, med tillid til serverens certifikat), brugernavnet (ladestationens id) og adgangskoden (BasicAuthPassword). Serveren har endnu ingen ocpp.tlsPort konfigureret.');
    expect(say(pt, cases[0]![0])).toContain('CN=<id do carregador>');
  });
});

describe('device-model meanings', () => {
  it('every known variable has its meaning in every language; English is the server\u2019s label', () => {
    expect(KNOWN_VARIABLES.length).toBeGreaterThan(20);
    for (const key of KNOWN_VARIABLES) {
      const [component, variable] = key.split('.') as [string, string];
      expect(en(`dm.${key}`)).toBe(knownVariable(component, variable)!.label);
      for (const language of LANGUAGES) expect(adminCatalog(language)[`dm.${key}`], `${language} dm.${key}`).toBeTruthy();
    }
    expect(Object.keys(adminCatalog('en')).filter((k) => k.startsWith('dm.')).map((k) => k.slice(3)).sort()).toEqual([...KNOWN_VARIABLES].sort());
  });
});
