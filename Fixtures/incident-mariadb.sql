-- Open Dental's medication and allergydef as its MySQL schema declares them (MyISAM, utf8, TIMESTAMP stamps),
-- with a few rows: ids 1-5 are the old rows the stale copy kept, the others came later (up to 1545).
CREATE TABLE medication (
  MedicationNum bigint(20) NOT NULL AUTO_INCREMENT,
  MedName varchar(255) DEFAULT '',
  GenericNum bigint(20) NOT NULL,
  Notes text,
  DateTStamp timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  RxCui bigint(20) NOT NULL,
  PRIMARY KEY (MedicationNum)
) ENGINE=MyISAM DEFAULT CHARSET=utf8;

INSERT INTO medication VALUES
  (1, 'Amoxicillin', 1, '', '2019-03-04 10:12:00', 723),
  (2, 'Ibuprofen', 2, NULL, '2019-03-04 10:12:00', 5640),
  (3, 'Penicillin V Potassium', 3, '', '2019-05-20 16:40:31', 7984),
  (4, 'Acetaminophen', 4, 'max 3 g/day', '2020-01-13 09:00:00', 161),
  (5, 'Chlorhexidine Gluconate 0.12%', 5, '', '2020-01-13 09:00:00', 2358),
  (388, 'Clindamycin', 388, '', '2022-07-01 08:15:02', 2582),
  (940, 'Codeine', 940, 'Schedule II', '2023-11-09 14:03:55', 2670),
  (1201, 'Lidocaine HCl 2% w/ Epinephrine', 1201, '', '2024-08-30 11:27:19', 6387),
  (1544, 'Metronidazole', 1544, '', '2025-10-11 23:10:58', 6922),
  (1545, 'Azithromycin', 1545, '', '2025-10-11 23:10:58', 18631);

CREATE TABLE allergydef (
  AllergyDefNum bigint(20) NOT NULL AUTO_INCREMENT,
  Description varchar(255) DEFAULT '',
  IsHidden tinyint(4) NOT NULL,
  DateTStamp timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  SnomedType tinyint(4) DEFAULT NULL,
  MedicationNum bigint(20) NOT NULL,
  UniiCode varchar(255) NOT NULL,
  PRIMARY KEY (AllergyDefNum)
) ENGINE=MyISAM DEFAULT CHARSET=utf8;

INSERT INTO allergydef VALUES
  (1, 'Penicillin allergy', 0, '2019-05-20 16:41:00', 2, 3, ''),
  (2, 'Codeine intolerance', 0, '2023-11-09 14:05:10', 3, 940, ''),
  (3, 'Azithromycin allergy', 0, '2025-10-11 23:11:40', 2, 1545, '');
