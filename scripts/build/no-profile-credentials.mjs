// Stands in for the AWS SDK's profile-based credential providers (shared ini files, SSO,
// credential_process, web identity token files, `aws login`) inside the Lambda bundle. On Lambda,
// credentials always come from the environment (or the container endpoint, which stays bundled);
// leaving these out saves about 110 KB of bundle and its parse time at every cold start.
// Each stand-in fails with `tryNextLink`, so the default chain moves on as it would without a profile.
const skip = (source) => () => async () => {
  const error = new Error(
    `${source} credentials are not bundled in cancel-bill: provide credentials through the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)`,
  );
  error.name = 'CredentialsProviderError';
  error.tryNextLink = true;
  throw error;
};

export const fromIni = skip('shared config file profile');
export const fromSSO = skip('IAM Identity Center (SSO)');
export const fromProcess = skip('credential_process');
export const fromTokenFile = skip('web identity token file');
export const fromWebToken = skip('web identity token');
export const fromLoginCredentials = skip('aws login');
