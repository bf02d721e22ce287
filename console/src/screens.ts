/** The console's screens, in navigation order; adminOnly screens are hidden from members. */
import type { FunctionComponent } from 'preact';
import { AccountsScreen } from './screens/accounts';
import { ActivityScreen } from './screens/activity';
import { DirectoryScreen } from './screens/directory';
import { AddNumberScreen } from './screens/add-number';
import { BuyScreen } from './screens/buy';
import { JobsScreen } from './screens/jobs';
import { NumbersScreen } from './screens/numbers';
import { RegulatoryScreen } from './screens/regulatory';
import { TollfreeScreen } from './screens/tollfree';

export interface ScreenDef {
  path: string;
  title: string;
  adminOnly?: boolean;
  component: FunctionComponent;
}

export const screens: ScreenDef[] = [
  { path: '/numbers', title: 'Numbers', component: NumbersScreen },
  { path: '/buy', title: 'Buy', component: BuyScreen },
  { path: '/add-number', title: 'Add phone number', component: AddNumberScreen },
  { path: '/regulatory', title: 'Regulatory', component: RegulatoryScreen },
  { path: '/tollfree', title: 'Toll-free desk', component: TollfreeScreen },
  { path: '/jobs', title: 'Bulk jobs', component: JobsScreen },
  { path: '/directory', title: 'Locations and agents', component: DirectoryScreen },
  { path: '/activity', title: 'Activity', component: ActivityScreen },
  { path: '/accounts', title: 'Provider accounts', adminOnly: true, component: AccountsScreen },
];
