/**
 * The API's answers as tests read them: the output types of the response schemas the gateway's
 * functions answer with (shared/api/schemas.ts). Integration tests name them as the body type of a call,
 * `member.get<PhoneNumber>(…)`; the test's assertions check the body.
 */
import type { z } from 'zod';
import type * as schemas from '../../shared/api/schemas.js';

type Out<S extends z.ZodType> = z.output<S>;

/** A list answer: one page of `T`, the cursor of the next when there is one (and the total, on some first pages). */
export interface Page<T> {
  data: T[];
  nextCursor?: string;
  total?: number;
}

export type PhoneNumber = Out<typeof schemas.PhoneNumberResource>;
export type AvailableNumbers = Out<typeof schemas.AvailableNumbersResponse>;
export type AvailableNumber = Out<typeof schemas.AvailableNumber>;
export type NumberCheck = Out<typeof schemas.NumberCheckResponse>;
export type ProviderAccount = Out<typeof schemas.ProviderAccountResource>;
export type Location = Out<typeof schemas.LocationResource>;
export type Agent = Out<typeof schemas.AgentResource>;
export type AuditRecord = Out<typeof schemas.AuditRecordResource>;
export type Address = Out<typeof schemas.AddressResource>;
export type Delivery = Out<typeof schemas.DeliveryResource>;
export type Job = Out<typeof schemas.JobResource>;
export type CreatedJob = Out<typeof schemas.CreateJobResponse>;
export type JobItem = Out<typeof schemas.JobItemResource>;
export type SigningSecret = Out<typeof schemas.SigningSecretResponse>;
export type VapiCredential = Out<typeof schemas.VapiCredentialResource>;
export type Requirements = Out<typeof schemas.RequirementsResponse>;
export type RequirementGroup = Out<typeof schemas.RequirementGroupResource>;
export type RequirementGroupStatus = Out<typeof schemas.RequirementGroupStatusResponse>;
export type Finding = Out<typeof schemas.FindingResource>;
export type RoutingVersions = Out<typeof schemas.RoutingVersionsResponse>;
export type RespOrgLoa = Out<typeof schemas.RespOrgLoaResource>;
export type TollFreeNumber = Out<typeof schemas.TollFreeNumberResource>;
export type TollFreeDetail = Out<typeof schemas.TollFreeDetail>;
export type TollFreePage = Out<typeof schemas.TollFreePage>;
export type TextEnablement = Out<typeof schemas.TextEnablementResource>;
export type TollFreeRequest = Out<typeof schemas.TollFreeRequestResource>;
export type RespOrgTransfer = Out<typeof schemas.RespOrgTransferResource>;

// Toll-free answers the registry may give later: a 202 with a request to poll (TollFreePending) instead
// of the result. The types below are the result; a test expecting the 202 names TollFreePending.
type AvailableTollFree = Out<typeof schemas.AvailableTollFreeResponse>;
/** The 202 of a toll-free request the registry answers later: poll `poll`. */
export type TollFreePending = Extract<AvailableTollFree, { status: 'pending' }>;
/** A toll-free search that answered at once. */
export type TollFreeSearchResult = Exclude<AvailableTollFree, TollFreePending>;
/** Reserved toll-free numbers (POST /v1/tollfree/reservations) and the ones that could not be. */
export type TollFreeReserved = Exclude<Out<typeof schemas.ReserveTollFreeResponse>, TollFreePending>;
export type RespOrgEntities = Exclude<Out<typeof schemas.RespOrgEntitiesResponse>, TollFreePending>;
/** A toll-free number's customer record as the registry answered it (not `{ pending }` or `{ error }`). */
export type RegistryRouting = Extract<NonNullable<TollFreeDetail['registryRouting']>, { num: string }>;
/** The customer record versions the registry lists for a number (not its `{ error }` or `{ pending }`). */
export type RegistryVersions = Extract<NonNullable<RoutingVersions['registry']>, { versions: unknown }>;
/** What a Somos follow-up task answers (POST /internal/tasks/somos-followup). */
export type SomosFollowupResult = Out<typeof schemas.SomosFollowupResult>;
/** What the scheduled Somos token check answers. */
export type SomosTokenRefreshResult = Out<typeof schemas.SomosTokenRefreshResult>;
