/**
 * Examples for the named schemas whose generated example would be valid but unlike a real request
 * (every optional field at once, a job searching with every filter), by component name.
 * test/unit/openapi.test.ts checks each against its zod schema, and that each name still exists.
 */
const NUMBER = {
  id: 'num_0123456789abcdef0123',
  provider: 'twilio',
  accountId: 'platform',
  account: { id: 'platform', kind: 'platform', status: 'attached' },
  phoneNumber: '+14155550123',
  friendlyName: '(415) 555-0123',
  country: 'US',
  type: 'local',
  locality: 'San Francisco',
  region: 'CA',
  capabilities: { voice: true, sms: true, mms: true, fax: false },
  providerNumberId: 'PN0123456789abcdef0123456789abcdef',
  displayName: 'Front desk',
  tags: ['main'],
  smsEnabled: true,
  voiceEnabled: true,
  webhookUrl: 'https://clinic.example.com/webhook/sms',
  purpose: 'both',
  locationId: 'loc_0123456789abcdef',
  locationName: 'Downtown Clinic',
  monthlyRate: { amount: '1.15', currency: 'USD' },
  status: 'active',
  createdAt: '2026-03-02T15:04:05.000Z',
  updatedAt: '2026-03-02T15:04:07.000Z',
  provisionedAt: '2026-03-02T15:04:07.000Z',
};

export const curatedExamples: Readonly<Record<string, unknown>> = {
  Number: NUMBER,
  CreateJobBody: {
    type: 'purchase',
    provider: 'twilio',
    items: [{ phoneNumber: '+14155550142', displayName: 'Front desk' }, { phoneNumber: '+14155550143' }],
    callbackUrl: 'https://clinic.example.com/hooks/jobs',
  },
  UpdateNumberBody: { displayName: 'Front desk', tags: ['main', 'customer_support'], webhookUrl: 'https://clinic.example.com/webhook/sms' },
  UpdateLocationBody: { name: 'Downtown Clinic', timezone: 'America/Los_Angeles' },
  UpdateAgentBody: { description: 'Answers the front desk line', inboundPhone: '+14155550123' },
  UpdateProviderAccountBody: { label: 'Our Twilio', isDefault: true },
  UpdateTollFreeRoutingBody: { mode: 'disaster' },
  ActivateTollFreeBody: { routing: { primary: { type: 'sip', destination: 'sip:frontdesk@pbx.example.com' } } },
};
