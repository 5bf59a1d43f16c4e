import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { entityStatement } from '../../src/evaluate/applicability.js';
import { judgedByCatalogs } from './run-manifest.js';
import { evidence } from '../fixtures/macie/discovery.js';

// QSA: PCI DSS 3.3.1's note exempts issuers and companies supporting issuing services from the prohibition on keeping
// sensitive authentication data after authorization, for data they keep with a legitimate, documented issuing business
// need (3.3.3 then applies). The report failed every such detection whatever the entity said: an issuer could only
// argue it away outside the tool. The declaration now turns the detection into a review naming the document to see.
const PCI = 'pci-dss-4.0.1';
const DOC = 'SAD retention justification ISS-POL-7 v3';
const merchant = { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false };
const withNeed: Config['entity'] = { [PCI]: { ...merchant, issuerWithBusinessNeed: { justificationDocument: DOC } } };
const SAD_BUCKET = 'arn:aws:s3:::support-tickets';

describe('an issuing business need to keep sensitive authentication data (config entity.<framework>.issuerWithBusinessNeed)', () => {
  it('not declared, or an issuer declaring no need: a detection fails 3.3.1, 3.3.1.1 and 3.3.1.2, as the requirement reads for every other entity', async () => {
    for (const entity of [undefined, { [PCI]: { ...merchant, issuer: true } }]) {
      const judged = await judgedByCatalogs('macie.discovery', evidence, entity ? { entity } : {});
      for (const id of ['3.3.1', '3.3.1.1', '3.3.1.2']) {
        expect(judged(id).status, id).toBe('fail');
        expect(judged(id).findings.find((f) => f.resource === SAD_BUCKET)).toMatchObject({ status: 'fail', reason: expect.stringMatching(/it may not be stored after authorization wherever it is$/) });
      }
    }
  });

  it('declared: the detection needs review instead of failing, naming the declaration and the document the assessor must see', async () => {
    const judged = await judgedByCatalogs('macie.discovery', evidence, { entity: withNeed });
    for (const id of ['3.3.1', '3.3.1.1', '3.3.1.2']) {
      const r = judged(id);
      expect(r.status, id).toBe('needs-review');
      const f = r.findings.find((x) => x.resource === SAD_BUCKET)!;
      expect(f.status).toBe('needs-review');
      expect(f.reason).toBe(
        `Macie found sensitive authentication data (CREDIT_CARD_SECURITY_CODE) in bucket support-tickets: 1 CREDIT_CARD_SECURITY_CODE, 1 CREDIT_CARD_NUMBER in 1 object (ticket-99.txt). Not failed: the entity declares it keeps sensitive authentication data for a legitimate, documented issuing business need (config entity.${PCI}.issuerWithBusinessNeed.justificationDocument: "${DOC}"); PCI DSS exempts such data from the prohibition on keeping it after authorization (3.3.1's note) and holds it to 3.3.3. The assessor examines "${DOC}" for a need that covers this data where it was found, and how it is secured and encrypted; data the document does not cover may not be kept after authorization (a failure)`,
      );
      // Still the evidence that the bucket holds account data: no declared scope filters it out.
      expect(f.judgesScope).toBeDefined();
      expect(f.inScope).toBe(true);
    }
  });

  it('declared: 3.3.3 applies, naming the document; a detection in a bucket no card data location names still fails where locations are judged (3.2.1)', async () => {
    const judged = await judgedByCatalogs('macie.discovery', evidence, { entity: withNeed });
    const issuer = judged('3.3.3');
    expect(issuer.status).toBe('manual');
    expect(issuer.reasons).toContain(
      `applies only to issuers and companies that support issuing services; the entity declared it is an issuer or a company that supports issuing services (config entity.${PCI}.issuerWithBusinessNeed: an issuing business need to keep sensitive authentication data); the entity declares it keeps sensitive authentication data for a legitimate, documented issuing business need (config entity.${PCI}.issuerWithBusinessNeed.justificationDocument: "${DOC}"): the assessor examines that document for the business justification (3.3.3.a) and how the data it covers is secured and encrypted (3.3.3.b)`,
    );
    // 3.2.1 judges where card data is kept: the need does not cover a location the organisation never declared.
    const undeclared = judged('3.2.1').findings.find((f) => f.resource === SAD_BUCKET)!;
    expect(undeclared).toMatchObject({ status: 'fail', reason: expect.stringMatching(/and card data may not be kept in a bucket that is not a declared card data location \(no card data locations are declared\)$/) });
    // Declared as a card data location, the bucket's sensitive authentication data is reviewed against the document there too.
    const located = await judgedByCatalogs('macie.discovery', evidence, { entity: withNeed, parameterOverrides: { [PCI]: { '3.2.1': { cardDataBuckets: ['support-*', 'payments-cde-*'] } } } });
    expect(located('3.2.1').findings.find((f) => f.resource === SAD_BUCKET)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`The assessor examines "${DOC}"`) });
  });

  it('declared not an issuer: 3.3.3 is proposed not applicable and a detection fails, as before', async () => {
    const judged = await judgedByCatalogs('macie.discovery', evidence, { entity: { [PCI]: { ...merchant, issuer: false } } });
    expect(judged('3.3.3').status).toBe('not-applicable');
    expect(judged('3.3.1').status).toBe('fail');
  });

  it('the entity statement (report method section, summary.json) names the need and its document', () => {
    expect(entityStatement(PCI, withNeed)).toBe(
      `declared by the entity (config entity.${PCI}): not a service provider; not a designated entity; an issuer or a company that supports issuing services; keeps sensitive authentication data for a legitimate, documented issuing business need (config entity.${PCI}.issuerWithBusinessNeed.justificationDocument: "${DOC}"): such data found stored needs review against that document instead of failing, and 3.3.3 applies; config entity.${PCI}.posPoiSslEarlyTls not set: A2.1.1 applies if the entity is one with card-present POS POI terminals that use SSL or early TLS. Requirements only for other entity types: proposed not applicable, assessor to confirm`,
    );
  });
});
