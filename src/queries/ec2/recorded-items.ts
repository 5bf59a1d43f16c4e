/**
 * EC2 configuration items in the EC2 API's shape. AWS Config serialises EC2 objects with the Java SDK's bean names
 * and writes a field the resource does not have as `null` (`"association": null`, `"portRange": null`), where the API
 * leaves it out; dropping those keeps "absent" meaning the same in both kinds of evidence.
 */
import { apiCase, withoutNulls, type ConfigItem } from '../config/aggregate-items.js';

/** A CI's `configuration` as the EC2 Describe call returns the resource. */
export function recordedEc2Resource<T>(item: ConfigItem): T {
  return apiCase<T>(withoutNulls(item.configuration));
}
