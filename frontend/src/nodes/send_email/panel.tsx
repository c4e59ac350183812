import { EmailFields } from '../../components/panel/EmailFields';
import type { PanelProps } from '../types';

export function SendEmailPanel(props: PanelProps) {
  return <EmailFields {...props} />;
}
