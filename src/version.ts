/** The dlnlab version, written beside every result so that it can be traced to the code. */
export const VERSION = "0.1.0";
