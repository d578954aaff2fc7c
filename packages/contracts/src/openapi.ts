import { generateOpenApi } from '@ts-rest/open-api';
import { contract } from './contract.ts';

/** The OpenAPI 3 document of the contract; amounts are described as decimal strings. */
export function generateOpenApiDocument(version = '0.0.0') {
  return generateOpenApi(
    contract,
    {
      info: {
        title: 'AccruPay sandbox API',
        version,
        description:
          'The merchant API (header accrupay-api-secret), the client public API (merchantPublicId, no secret) and the provider callback endpoint of the AccruPay sandbox.',
      },
      components: {
        securitySchemes: {
          apiSecret: { type: 'apiKey', in: 'header', name: 'accrupay-api-secret' },
        },
      },
    },
    { setOperationId: 'concatenated-path', jsonQuery: false },
  );
}
