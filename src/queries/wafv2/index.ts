import type { EvidenceQuery } from '../types.js';
import { cloudFrontWebAcls } from './cloudfront-web-acls.js';
import { webAcls } from './web-acls.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [webAcls, cloudFrontWebAcls];
