// Unit tests of the pure rule checks, over the shipped rules file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isValidSaudiId, normalizeSaudiMobile, withSaudiIdCheckDigit } from '../domain/identifiers';
import { checkCompleteness, checkConditions, findActivity, isWellFormedCr, type RuleSet } from '../domain/rules';
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
