// Pages without data of their own: who is logged in, and the log-out button.
import { setupHeader } from './api.js';

void setupHeader();
