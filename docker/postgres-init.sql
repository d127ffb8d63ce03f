-- One database per service: no service reads another's tables.
CREATE DATABASE budgets;
CREATE DATABASE providers;
CREATE DATABASE bookings;
CREATE DATABASE insight;
CREATE DATABASE families;
CREATE DATABASE gateway;
CREATE DATABASE notifications;
CREATE DATABASE staycation;
