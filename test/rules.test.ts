// Unit tests of the pure rule checks, over the shipped rules file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isValidSaudiId, normalizeSaudiMobile, withSaudiIdCheckDigit } from '../domain/identifiers';
import { checkCompleteness, checkConditions, findActivity, isWellFormedCr, type RuleSet, type StoredDocumentFacts } from '../domain/rules';
import { addMonths } from '../domain/calendar';
import { commercialApplication, healthApplication } from './support/fixtures';

const file = JSON.parse(readFileSync(new URL('../db/rules.json', import.meta.url), 'utf8'));
const rules: RuleSet = {
  kinds: Object.fromEntries(file.kinds.map((k: { kind: string }) => [k.kind, k])),
  activities: file.activities,
  documents: Object.fromEntries(file.documents.map((d: { type: string }) => [d.type, d])),
};
const today = '2026-11-28';

describe('identifiers', () => {
  it('accepts national IDs and iqamas with a valid check digit only', () => {
    const id = withSaudiIdCheckDigit('104412345');
    expect(isValidSaudiId(id)).toBe(true);
    expect(isValidSaudiId(id.slice(0, 9) + ((Number(id[9]) + 1) % 10))).toBe(false);
    expect(isValidSaudiId(withSaudiIdCheckDigit('234567891'))).toBe(true);
    expect(isValidSaudiId('3' + id.slice(1))).toBe(false);
  });
  it('normalises Saudi mobile numbers', () => {
    expect(normalizeSaudiMobile('0551234567')).toBe('+966551234567');
    expect(normalizeSaudiMobile('+966 55 123 4567')).toBe('+966551234567');
    expect(normalizeSaudiMobile('00966551234567')).toBe('+966551234567');
    expect(normalizeSaudiMobile('0451234567')).toBeUndefined();
  });
  it('checks the shape of CR numbers', () => {
    expect(isWellFormedCr('2250123451')).toBe(true);
    expect(isWellFormedCr('9250123451')).toBe(false);
    expect(isWellFormedCr('1111111111')).toBe(false);
  });
  it('adds months, clamping to the end of shorter months', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-11-28', 12)).toBe('2027-11-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
  });
});

describe('completeness', () => {
  it('passes a complete health application', () => {
    expect(checkCompleteness(rules, healthApplication(), today)).toEqual({ complete: true, deficiencies: [] });
  });
  it('lists missing and expired documents, a missing location and expired health certificates', () => {
    const body = healthApplication();
    const result = checkCompleteness(
      rules,
      {
        ...body,
        establishment: { ...body.establishment, location: undefined },
        documents: body.documents.filter((d) => d.type !== 'building_permit').map((d) => (d.type === 'civil_defense' ? { ...d, expiresOn: '2026-01-01' } : d)),
        workers: [{ name: 'Ali', healthCertificateNumber: 'HC-1', healthCertificateExpiry: '2025-12-31' }],
      },
      today,
    );
    expect(result.complete).toBe(false);
    expect(result.deficiencies.map((d) => `${d.code} ${d.field}`).sort()).toEqual([
      'DOC_EXPIRED documents/civil_defense',
      'DOC_MISSING documents/building_permit',
      'HEALTH_CERT_EXPIRED workers/0/healthCertificateExpiry',
      'LOCATION_MISSING establishment/location',
    ]);
    for (const d of result.deficiencies) {
      expect(d.messageAr).toMatch(/[\u0600-\u06FF]/);
      expect(d.messageEn).toMatch(/[a-z]/);
    }
  });
  it('asks health activities for their workers', () => {
    const result = checkCompleteness(rules, { ...healthApplication(), workers: [] }, today);
    expect(result.deficiencies.map((d) => d.code)).toEqual(['WORKERS_MISSING']);
  });
});

describe('conditions', () => {
  it('routes a café to health review with a 12-month term', () => {
    expect(checkConditions(rules, healthApplication({ requestedTermYears: 1 }))).toMatchObject({ met: true, healthReviewRequired: true, termMonths: 12, homeVisit: false });
  });
  it('gives commercial licenses the requested term and sends owners of five establishments a home visit', () => {
    const body = commercialApplication({ requestedTermYears: 4 });
    const r = checkConditions(rules, { ...body, establishment: { ...body.establishment, establishmentsOwned: 5 } });
    expect(r).toMatchObject({ met: true, healthReviewRequired: false, termMonths: 48, homeVisit: true });
  });
  it('refuses an activity under the wrong kind, a too small area, an unknown activity and a term out of range', () => {
    const body = commercialApplication();
    expect(checkConditions(rules, { ...body, licenseKind: 'health' }).reasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(['ACTIVITY_NOT_ALLOWED_FOR_KIND', 'TERM_OUT_OF_RANGE']),
    );
    expect(checkConditions(rules, { ...body, establishment: { ...body.establishment, areaSqm: 5 } }).reasons.map((r) => r.code)).toEqual(['AREA_TOO_SMALL']);
    expect(checkConditions(rules, { ...body, establishment: { ...body.establishment, isicCode: '011101' } }).reasons.map((r) => r.code)).toEqual(['ACTIVITY_NOT_LICENSABLE']);
  });
  it('matches the longest ISIC prefix', () => {
    expect(findActivity({ kinds: {}, documents: {}, activities: [...rules.activities, { ...rules.activities[0]!, isicPrefix: '56', nameEn: 'broad' }] }, '561001')?.isicPrefix).toBe('5610');
  });
});

describe('completeness over stored documents', () => {
  const today = '2026-12-01';
  const body = commercialApplication({
    documents: [
      { type: 'storefront_photo', documentId: 'DOC-PHOTO' },
      { type: 'lease_or_deed', documentId: 'DOC-LEASE' },
      { type: 'building_permit', documentId: 'DOC-PERMIT' },
      { type: 'civil_defense', documentId: 'DOC-CD' },
    ],
  });
  const facts = (over: Record<string, Partial<StoredDocumentFacts>> = {}) =>
    new Map<string, StoredDocumentFacts>(
      Object.entries({
        'DOC-PHOTO': { type: 'storefront_photo', state: 'attached', fileKind: 'png', expiresOn: null },
        'DOC-LEASE': { type: 'lease_or_deed', state: 'attached', fileKind: 'pdf', expiresOn: '2027-06-30' },
        'DOC-PERMIT': { type: 'building_permit', state: 'attached', fileKind: 'pdf', expiresOn: null },
        'DOC-CD': { type: 'civil_defense', state: 'attached', fileKind: 'pdf', expiresOn: '2027-06-30' },
      } satisfies Record<string, StoredDocumentFacts>).map(([id, f]) => [id, { ...f, ...over[id] }]),
    );
  const codes = (stored: Map<string, StoredDocumentFacts>) => checkCompleteness(rules, body, today, stored).deficiencies.map((d) => `${d.code} ${d.field}`);

  it('passes when every file is kept, of its type, of an accepted kind and current', () => {
    expect(codes(facts())).toEqual([]);
  });
  it('counts a file not found, removed, or kept under another type as missing', () => {
    const none = facts();
    none.delete('DOC-PERMIT');
    expect(codes(none)).toEqual(['DOC_MISSING documents/building_permit']);
    expect(codes(facts({ 'DOC-PERMIT': { state: 'removed' } }))).toEqual(['DOC_MISSING documents/building_permit']);
    expect(codes(facts({ 'DOC-PERMIT': { type: 'lease_or_deed' } }))).toEqual(['DOC_MISSING documents/building_permit']);
  });
  it('refuses a kind the rules no longer accept, a lapsing file without its expiry, and an expired one', () => {
    expect(codes(facts({ 'DOC-PHOTO': { fileKind: 'pdf' } }))).toEqual(['DOC_TYPE_NOT_ACCEPTED documents/storefront_photo']);
    expect(codes(facts({ 'DOC-CD': { expiresOn: null } }))).toEqual(['DOC_EXPIRY_MISSING documents/civil_defense']);
    expect(codes(facts({ 'DOC-CD': { expiresOn: '2026-11-30' } }))).toEqual(['DOC_EXPIRED documents/civil_defense']);
    // The date on the file counts, not one sent beside its id.
    const sent = { ...body, documents: body.documents.map((d) => (d.type === 'civil_defense' ? { ...d, expiresOn: '2099-01-01' } : d)) };
    expect(checkCompleteness(rules, sent, today, facts({ 'DOC-CD': { expiresOn: '2026-11-30' } })).deficiencies.map((d) => d.code)).toEqual(['DOC_EXPIRED']);
  });
});
