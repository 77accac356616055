// Staff review app: no framework, and everything works without JavaScript.
"use strict";
