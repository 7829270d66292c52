// The people of a single-machine setup: one user of every role, working for two
// seeded offices. Development only: the built-in issuer signs tokens for them
// with one shared password, and production points AUTH_ISSUER at a real provider.
import { ROLES, type Role, type StaffRole } from '../domain/access';
import type { OfficeApplication } from '../domain/office';

export interface SeedUser {
  username: string;
  name: string;
  roles: Role[];
  officeId?: string;
  nationalId?: string;
}

export const DEV_PASSWORD = 'tarkhees';

export const SEED_OFFICES: { id: string; application: OfficeApplication }[] = [
  {
    id: 'OFF-000001',
    application: {
      name: 'Al-Ahsa Engineering Consultants',
      firmLicenseNumber: 'SCE-2019-00417',
      crNumber: '2251000417',
      mobile: '+966500000417',
      documents: [
        { type: 'firm_license', reference: 'seed-firm-license-1', expiresOn: '2029-12-31' },
        { type: 'commercial_registration', reference: 'seed-cr-1' },
        { type: 'professional_indemnity', reference: 'seed-insurance-1', expiresOn: '2029-12-31' },
      ],
      staff: [
        { userId: 'clerk.ahsa', name: 'Fahad Al-Mulla', role: 'office_clerk' },
        { userId: 'health.ahsa', name: 'Dr. Huda Al-Naim', role: 'health_specialist' },
        { userId: 'inspector.ahsa', name: 'Khalid Al-Omair', role: 'technical_inspector' },
        { userId: 'manager.ahsa', name: 'Maha Al-Jaber', role: 'office_manager' },
      ],
    },
  },
  {
    id: 'OFF-000002',
    application: {
      name: 'Hajar Consulting Engineers',
      firmLicenseNumber: 'SCE-2021-01290',
      crNumber: '2251001290',
      mobile: '+966500001290',
      documents: [
        { type: 'firm_license', reference: 'seed-firm-license-2', expiresOn: '2029-12-31' },
        { type: 'commercial_registration', reference: 'seed-cr-2' },
        { type: 'professional_indemnity', reference: 'seed-insurance-2', expiresOn: '2029-12-31' },
      ],
      staff: [
        { userId: 'clerk.hajar', name: 'Yousef Al-Saleh', role: 'office_clerk' },
        { userId: 'health.hajar', name: 'Dr. Amal Al-Hashim', role: 'health_specialist' },
        { userId: 'inspector.hajar', name: 'Majed Al-Ghamdi', role: 'technical_inspector' },
        { userId: 'manager.hajar', name: 'Reem Al-Dosari', role: 'office_manager' },
      ],
    },
  },
];

const staffUsers: SeedUser[] = SEED_OFFICES.flatMap((o) =>
  o.application.staff.map((m) => ({ username: m.userId, name: m.name, roles: [m.role as StaffRole], officeId: o.id })),
);

export const SEED_USERS: SeedUser[] = [
  // 1000000008 has a valid check digit: the applicant can file for herself.
  { username: 'sara', name: 'Sara Al-Mubarak', roles: ['applicant'], nationalId: '1000000008' },
  ...staffUsers,
  { username: 'supervisor', name: 'Abdullah Al-Hussain (Amanah)', roles: ['supervisor'] },
  { username: 'inspector.amanah', name: 'Saad Al-Qahtani (Amanah)', roles: ['municipal_inspector'] },
  { username: 'admin', name: 'Tarkhees Administrator', roles: ['administrator'] },
  { username: 'auditor', name: 'Nora Al-Khaldi (Internal Audit)', roles: ['auditor'] },
];

/** One sign-in per role, the first seeded person who holds it: what `npm start` prints, and Keycloak's demo realm must have. */
export const DEV_SIGN_INS: SeedUser[] = ROLES.map((role) => SEED_USERS.find((u) => u.roles.includes(role))!);
