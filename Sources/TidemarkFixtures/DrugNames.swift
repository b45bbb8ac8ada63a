/// Real generic and brand drug names, as a dental office's medication list holds them. The generated
/// medication rows cycle through these with a strength or form suffix. The incident's named medications
/// (Amoxicillin, Codeine, Azithromycin, Morphine Sulfate, Aspirin, …) are deliberately absent, so a lookup by
/// one of those exact names finds only the named row.
enum DrugNames {
    static let generic: [String] = [
        "Acetaminophen", "Acyclovir", "Albuterol", "Alendronate", "Allopurinol", "Alprazolam", "Amiodarone",
        "Amitriptyline", "Amlodipine", "Amoxicillin/Clavulanate", "Ampicillin", "Anastrozole", "Apixaban",
        "Aripiprazole", "Articaine/Epinephrine", "Atenolol", "Atorvastatin", "Azathioprine", "Baclofen",
        "Benazepril", "Benzocaine", "Benzonatate", "Bisoprolol", "Budesonide", "Bumetanide", "Bupivacaine",
        "Buprenorphine", "Bupropion", "Buspirone", "Calcitriol", "Candesartan", "Captopril", "Carbamazepine",
        "Carbidopa/Levodopa", "Carvedilol", "Cefadroxil", "Cefazolin", "Cefdinir", "Cefuroxime", "Celecoxib",
        "Cephalexin", "Cetirizine", "Cevimeline", "Chlorhexidine Gluconate", "Chlorthalidone", "Ciprofloxacin",
        "Citalopram", "Clarithromycin", "Clindamycin", "Clonazepam", "Clonidine", "Clopidogrel", "Clotrimazole",
        "Colchicine", "Cyclobenzaprine", "Dabigatran", "Dapagliflozin", "Denosumab", "Dexamethasone", "Diazepam",
        "Diclofenac", "Dicyclomine", "Digoxin", "Diltiazem", "Diphenhydramine", "Divalproex", "Donepezil",
        "Doxazosin", "Doxycycline", "Doxycycline Hyclate", "Duloxetine", "Empagliflozin", "Enalapril",
        "Enoxaparin", "Epinephrine", "Escitalopram", "Esomeprazole", "Estradiol", "Eszopiclone", "Etodolac",
        "Ezetimibe", "Famotidine", "Fenofibrate", "Fentanyl", "Finasteride", "Fluconazole", "Fluoxetine",
        "Fluticasone", "Folic Acid", "Furosemide", "Gabapentin", "Glimepiride", "Glipizide", "Glyburide",
        "Guaifenesin", "Haloperidol", "Hydralazine", "Hydrochlorothiazide", "Hydrocodone/Acetaminophen",
        "Hydrocortisone", "Hydromorphone", "Hydroxychloroquine", "Hydroxyzine", "Ibandronate", "Ibuprofen",
        "Indomethacin", "Insulin Glargine", "Insulin Lispro", "Irbesartan", "Isosorbide Mononitrate",
        "Ketoconazole", "Ketorolac", "Labetalol", "Lamotrigine", "Lansoprazole", "Letrozole", "Levetiracetam",
        "Levofloxacin", "Levothyroxine", "Lidocaine", "Lidocaine/Epinephrine", "Liraglutide", "Lisinopril",
        "Lithium Carbonate", "Loperamide", "Loratadine", "Lorazepam", "Losartan", "Lovastatin", "Meclizine",
        "Medroxyprogesterone", "Meloxicam", "Memantine", "Mepivacaine", "Metformin", "Methadone",
        "Methocarbamol", "Methotrexate", "Methylphenidate", "Methylprednisolone", "Metoclopramide",
        "Metoprolol Succinate", "Metoprolol Tartrate", "Metronidazole", "Midazolam", "Minocycline",
        "Mirtazapine", "Montelukast", "Mupirocin", "Nabumetone", "Naloxone", "Naproxen", "Nebivolol",
        "Nifedipine", "Nitrofurantoin", "Nitroglycerin", "Nitrous Oxide", "Nortriptyline", "Nystatin",
        "Olanzapine", "Olmesartan", "Omeprazole", "Ondansetron", "Oxcarbazepine", "Oxybutynin", "Oxycodone",
        "Oxycodone/Acetaminophen", "Pantoprazole", "Paroxetine", "Penicillin G", "Penicillin V Potassium",
        "Phenytoin", "Pilocarpine", "Pioglitazone", "Potassium Chloride", "Pravastatin", "Prednisolone",
        "Prednisone", "Pregabalin", "Prilocaine", "Promethazine", "Propranolol", "Quetiapine", "Raloxifene",
        "Ramipril", "Risedronate", "Risperidone", "Rivaroxaban", "Rosuvastatin", "Semaglutide", "Sertraline",
        "Sildenafil", "Simvastatin", "Sitagliptin", "Sodium Fluoride", "Spironolactone", "Stannous Fluoride",
        "Sucralfate", "Sulfamethoxazole/Trimethoprim", "Sumatriptan", "Tamoxifen", "Tamsulosin", "Temazepam",
        "Terbinafine", "Tetracycline", "Tirzepatide", "Tizanidine", "Topiramate", "Tramadol", "Trazodone",
        "Triamcinolone Acetonide", "Triazolam", "Valacyclovir", "Valsartan", "Venlafaxine", "Verapamil",
        "Warfarin", "Zoledronic Acid", "Zolpidem",
    ]

    static let brand: [String] = [
        "Abilify", "Actonel", "Adderall", "Advair", "Advil", "Aldactone", "Aleve", "Allegra", "Ambien",
        "Anbesol", "Arestin", "Aricept", "Arimidex", "Atridox", "Ativan", "Augmentin", "Avapro", "Bactrim",
        "Bactroban", "Benadryl", "Benicar", "Boniva", "Calan", "Cardizem", "Celebrex", "Celexa", "Cipro",
        "Citanest", "Claritin", "Cleocin", "Colcrys", "Concerta", "Cordarone", "Coreg", "Coumadin", "Cozaar",
        "Crestor", "Cymbalta", "Decadron", "Deltasone", "Depakote", "Depo-Provera", "Desyrel", "Diflucan",
        "Dilantin", "Dilaudid", "Diovan", "Duragesic", "Dupixent", "Effexor", "Eliquis", "Enbrel", "EpiPen",
        "Estrace", "Evista", "Evoxac", "Farxiga", "Femara", "Flagyl", "Flexeril", "Flomax", "Flovent",
        "Forteo", "Fosamax", "Glucophage", "Halcion", "Humalog", "Humira", "Imdur", "Imitrex", "Imuran",
        "Jardiance", "Januvia", "Kenalog", "Keflex", "Keppra", "Klor-Con", "Lamictal", "Lanoxin", "Lantus",
        "Lasix", "Levaquin", "Lexapro", "Lipitor", "Lopressor", "Lotrimin", "Lovenox", "Lunesta", "Lyrica",
        "Macrobid", "Marcaine", "Medrol", "Minocin", "Mobic", "Motrin", "Mounjaro", "Mycostatin", "Namenda",
        "Narcan", "Neurontin", "Nexium", "Nitrostat", "Nolvadex", "Norco", "Norvasc", "Oraqix", "Orajel",
        "OxyContin", "Ozempic", "Paxil", "Pepcid", "Percocet", "Peridex", "PerioGard", "Periostat",
        "Phenergan", "Plaquenil", "Plavix", "Pradaxa", "Premarin", "PreviDent 5000 Plus", "Prilosec",
        "Prinivil", "ProAir", "Procardia", "Prolia", "Proscar", "Protonix", "Prozac", "Reclast", "Risperdal",
        "Ritalin", "Robaxin", "Salagen", "Septocaine", "Seroquel", "Singulair", "Suboxone", "Symbicort",
        "Synthroid", "Tegretol", "Tenormin", "Toprol XL", "Toradol", "Trexall", "Tylenol", "Tylenol #3",
        "Ultram", "Valium", "Valtrex", "Ventolin", "Viagra", "Vibramycin", "Vicodin", "Voltaren", "Wellbutrin",
        "Xanax", "Xarelto", "Xylocaine", "Zanaflex", "Zestril", "Zithromax", "Zocor", "Zofran", "Zoloft",
        "Zovirax", "Zyloprim", "Zyprexa", "Zyrtec",
    ]

    /// Names a medication list really holds that exercise quoting and non-ASCII text.
    static let awkward: [String] = [
        "St. John's Wort", "Lugol's Iodine Solution", "Biotène Dry Mouth Oral Rinse", "Peridex™ Oral Rinse",
        "Magic Mouthwash (Diphenhydramine/Maalox/Lidocaine 1:1:1)", "Ibuprofen \"Advil\" 200 mg",
        "Vitamin B₁₂ (Cyanocobalamin)", "Ginkgo biloba – extract", "Müller's Cough Syrup",
    ]

    /// Strengths and forms appended to generated names (illustrative, not matched to each drug).
    static let strengths: [String] = [
        "", "", "", "", "0.5 mg", "1 mg", "2 mg", "5 mg", "10 mg", "20 mg", "25 mg", "40 mg", "50 mg", "100 mg",
        "200 mg", "250 mg", "300 mg", "400 mg", "500 mg", "600 mg", "800 mg", "1 g", "Tablet", "Capsule",
        "Oral Suspension", "Injection", "ER", "ODT",
    ]

    /// Clinical notes as staff type them.
    static let notes: [String] = [
        "Take 1 tablet by mouth every 6 hours as needed for pain", "Premedication: 1 hour before appointment",
        "Patient reports GI upset", "Discontinued by physician", "See medical history", "PRN", "Per Dr. Lee",
        "Take with food", "Max 4 doses per day", "Do not take with alcohol", "2 puffs q4h prn",
        "Rinse 15 mL for 30 seconds twice daily, do not swallow", "Apply thin layer to affected area",
        "Refill x2", "Hold 3 days before extraction (per cardiologist)",
    ]
}
