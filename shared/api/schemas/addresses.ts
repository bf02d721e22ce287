import { z } from 'zod';
import { normalizePostalCode, postalCodeProblem } from '../../domain/address.js';
import { AccountIdValue, CompanyIdValue, Country, ResourceId } from './base.js';
import { PageQuery, page } from './numbers.js';

// ---------- addresses (what a regulatory address requirement takes) ----------
const Line = (max: number) => z.string().trim().min(1).max(max);
export const AddressIdValue = ResourceId('adr', 'address').meta({ description: 'One of the tenant’s addresses (POST /v1/addresses)' });
export const CreateAddressBody = z
  .object({
    businessName: Line(100).meta({ description: 'The company at this address' }),
    firstName: Line(50).meta({ description: 'Contact person (Telnyx requires a name with the business name)' }),
    lastName: Line(50),
    streetAddress: Line(200).meta({ example: '8 Rue de Rivoli' }),
    extendedAddress: Line(100).optional().meta({ description: 'Floor, building, apartment' }),
    locality: Line(100).meta({ description: 'City', example: 'Paris' }),
    postalCode: z.string().trim().min(2).max(12).transform(normalizePostalCode).meta({ example: '75004' }),
    administrativeArea: Line(100).optional().meta({ description: 'State, province or region' }),
    country: Country,
    companyId: CompanyIdValue.optional(),
    accountId: AccountIdValue.optional().meta({ description: 'The Telnyx account the address is created in (default: the tenant’s default Telnyx account, else the platform’s)' }),
  })
  .strict()
  .superRefine((a, ctx) => {
    const problem = postalCodeProblem(a.country, a.postalCode);
    if (problem) ctx.addIssue({ code: 'custom', path: ['postalCode'], message: problem });
  });
export const AddressResource = z.object({
  id: z.string(),
  provider: z.literal('telnyx'),
  accountId: z.string(),
  providerAddressId: z.string().optional().meta({ description: 'Telnyx’s address id (what the requirement group receives)' }),
  status: z.enum(['creating', 'ready']),
  companyId: z.string().optional(),
  businessName: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  streetAddress: z.string(),
  extendedAddress: z.string().optional(),
  locality: z.string(),
  postalCode: z.string(),
  administrativeArea: z.string().optional(),
  country: z.string(),
  formatted: z.string().meta({ description: 'One line, for people' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const AddressesQuery = z.object({ companyId: CompanyIdValue.optional(), country: Country.optional(), ...PageQuery }).strict();
export const AddressesPage = page(AddressResource);
export const AddressId = z.object({ id: AddressIdValue }).strict();
