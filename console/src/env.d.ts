/** true only in the `devstack` build (dev stack, browser tests): the dev sign-in exists there alone. */
declare const __DEV_SIGN_IN__: boolean;
