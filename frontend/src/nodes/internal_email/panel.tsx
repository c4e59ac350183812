import { EmailFields } from '../../components/panel/EmailFields';
import { ListField } from '../../components/panel/fields';
import type { PanelProps } from '../types';
import { asList } from '../util';

export function InternalEmailPanel(props: PanelProps) {
  return (
    <>
      <ListField label="To" value={asList(props.step.to)} placeholder="sales@example.com" onChange={(v) => props.update({ to: v })} />
      <EmailFields {...props} />
    </>
  );
}
